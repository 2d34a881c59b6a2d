package dev.dreamdrop.net;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The addresses DreamDrop's HTTP client connects to, checked as they are resolved: a host that is not trusted
 * ({@link ReceiverPolicy}) must resolve to public addresses only, so a name that pointed elsewhere when a set was
 * checked, or points elsewhere now, is refused at the connection itself. A refusal is an {@link UnknownHostException}:
 * the request was never sent.
 */
public final class PolicyDnsResolver implements DnsResolver {

    private final ReceiverPolicy policy;

    public PolicyDnsResolver(ReceiverPolicy policy) {
        this.policy = policy;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        if (policy.isTrusted(host)) {
            return addresses;
        }
        for (InetAddress address : addresses) {
            if (!ReceiverPolicy.isPublic(address)) {
                throw new UnknownHostException(host + " resolves to the non-public address " + address.getHostAddress()
                        + ": refused for a receiver a set named (dreamdrop.events.allowed-hosts lets an operator"
                        + " allow it)");
            }
        }
        return addresses;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}
