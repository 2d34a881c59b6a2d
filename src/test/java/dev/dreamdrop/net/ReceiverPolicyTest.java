package dev.dreamdrop.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classifier of addresses, on address literals only: parsed, never connected to. */
class ReceiverPolicyTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.255.0.9", "::1", "0.0.0.0", "0.1.2.3", "10.0.0.1", "172.16.5.4",
            "172.31.255.255", "192.168.0.1", "169.254.169.254", "fe80::1", "100.64.0.1", "100.127.255.255", "fc00::1",
            "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "::",
            "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255", "240.0.0.1", "192.0.0.8", "198.18.0.1",
            "64:ff9b::a00:1", "64:ff9b::7f00:1"})
    void nonPublicAddressesInEverySpelling(String literal) throws Exception {
        assertFalse(ReceiverPolicy.isPublic(InetAddress.getByName(literal)), literal);
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2a00:1450:4001::1",
            "64:ff9b::808:808", "::ffff:8.8.8.8"})
    void publicAddresses(String literal) throws Exception {
        assertTrue(ReceiverPolicy.isPublic(InetAddress.getByName(literal)), literal);
    }

    @Test
    void theResolverAtDeliveryRefusesWhatASetMayNotReachAndLetsTrustedHostsThrough() throws Exception {
        PolicyDnsResolver dns = new PolicyDnsResolver(ReceiverPolicy.withSystemResolver(Set.of("127.0.0.1")));
        assertEquals("127.0.0.1", dns.resolve("127.0.0.1")[0].getHostAddress(), "trusted: the operator's own");
        UnknownHostException refused = assertThrows(UnknownHostException.class, () -> dns.resolve("127.0.0.2"));
        assertTrue(refused.getMessage().contains("non-public address 127.0.0.2"), refused.getMessage());
        assertThrows(UnknownHostException.class, () -> dns.resolve("::1"));
        assertThrows(UnknownHostException.class, () -> dns.resolve("169.254.169.254"));
        assertEquals("93.184.216.34", dns.resolve("93.184.216.34")[0].getHostAddress(), "a public literal");
    }
}
