package dev.dreamdrop.net;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which hosts DreamDrop may reach on the word of someone it does not trust. Operators and DreamDrop's configuration
 * are trusted: the hosts they name (the training API, the public URL, the S3 endpoint, the configured event
 * receivers, and {@code dreamdrop.events.allowed-hosts}) may be anywhere. A set's writer is not: a host that a
 * manifest names ({@code notify_url}) must be, and resolve only to, public addresses: not loopback, private (RFC 1918,
 * IPv6 unique-local), link-local (cloud metadata included), carrier-grade NAT, multicast, unspecified or reserved,
 * in any spelling ({@code localhost}, {@code [::1]}, {@code 0.0.0.0}, IPv4-mapped IPv6, a name that resolves there).
 */
public final class ReceiverPolicy {

    private final Set<String> trustedHosts;
    private final Function<String, InetAddress[]> resolver;

    /**
     * @param trustedHosts hosts that may be anywhere (compared without case)
     * @param resolver     a name's addresses (the system's resolver; tests give their own)
     */
    public ReceiverPolicy(Set<String> trustedHosts, Function<String, InetAddress[]> resolver) {
        this.trustedHosts = trustedHosts.stream().map(ReceiverPolicy::normalise).collect(Collectors.toSet());
        this.resolver = resolver;
    }

    /** With the system's resolver; a name that does not resolve now is left to the check at delivery. */
    public static ReceiverPolicy withSystemResolver(Set<String> trustedHosts) {
        return new ReceiverPolicy(trustedHosts, host -> {
            try {
                return InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                return new InetAddress[0];
            }
        });
    }

    /** Judging address literals and names as spelled, without resolving a name (which counts as public). */
    public static ReceiverPolicy withoutNameResolution() {
        return new ReceiverPolicy(Set.of(), host -> {
            if (!host.matches("[0-9.]+") && !host.contains(":")) {
                return new InetAddress[0];
            }
            try {
                return new InetAddress[] {InetAddress.getByName(host)};
            } catch (UnknownHostException e) {
                return new InetAddress[0];
            }
        });
    }

    /** The hosts of these URLs (configuration: trusted), ignoring empty ones. */
    public static Set<String> hostsOf(List<String> urls) {
        return urls.stream().filter(url -> url != null && !url.isBlank()).map(url -> URI.create(url).getHost())
                .filter(host -> host != null).collect(Collectors.toSet());
    }

    public boolean isTrusted(String host) {
        return host != null && trustedHosts.contains(normalise(host));
    }

    /**
     * Why a set may not make DreamDrop reach this URL's host, or null when it may: the host is trusted, or every
     * address it resolves to is public.
     */
    public String refusal(String url) {
        String host = URI.create(url).getHost();
        if (host == null) {
            return "has no host";
        }
        if (isTrusted(host)) {
            return null;
        }
        if (normalise(host).equals("localhost") || normalise(host).endsWith(".localhost")) {
            return "names this machine (" + host + ")";
        }
        List<String> refused = new ArrayList<>();
        for (InetAddress address : resolver.apply(normalise(host))) {
            if (!isPublic(address)) {
                refused.add(address.getHostAddress());
            }
        }
        return refused.isEmpty() ? null : "reaches a non-public address (" + String.join(", ", refused) + ")";
    }

    /** Only the public internet: none of the ranges DreamDrop refuses for untrusted hosts. */
    public static boolean isPublic(InetAddress address) {
        byte[] b = address.getAddress();
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0                                       // "this network"
                    && !(first == 100 && (second & 0xc0) == 64)     // carrier-grade NAT 100.64/10
                    && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments 192.0.0/24
                    && !(first == 198 && (second & 0xfe) == 18)     // benchmarking 198.18/15
                    && first < 240;                                 // reserved, broadcast
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return false;                                           // unique-local fc00::/7
        }
        boolean ipv4Compatible = true;
        for (int i = 0; i < 12; i++) {
            ipv4Compatible &= b[i] == 0;
        }
        if (ipv4Compatible) {
            return false;                                           // ::a.b.c.d (deprecated) and ::/96
        }
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b;
        if (nat64) {
            // 64:ff9b::/96 embeds an IPv4 address: judge that one
            try {
                return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return true;
    }

    /** A host as URLs spell it, lower case, without the brackets of an IPv6 literal. */
    private static String normalise(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.startsWith("[") && lower.endsWith("]") ? lower.substring(1, lower.length() - 1) : lower;
    }
}
