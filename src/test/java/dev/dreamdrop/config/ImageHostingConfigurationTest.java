package dev.dreamdrop.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which public URLs get the start-up WARN: told from the host's spelling, never by connecting to it. */
class ImageHostingConfigurationTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LOCALHOST", "dreamdrop.localhost", "127.0.0.1", "127.1.2.3", "[::1]",
            "0.0.0.0", "10.0.0.5", "172.16.0.1", "172.31.255.255", "192.168.1.20", "169.254.169.254", "100.64.0.1",
            "100.127.255.254", "[fd00::1]", "[fe80::1]", "[::]", "[::ffff:127.0.0.1]", "[::ffff:192.168.0.1]", ""})
    void aHostTheHostedApiCannotReachIsNotPublic(String host) {
        assertFalse(ImageHostingConfiguration.isPublic(host), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dreamdrop.example.com", "8.8.8.8", "172.32.0.1", "100.128.0.1", "[2a00:1450::1]"})
    void aPublicHostIsPublic(String host) {
        assertTrue(ImageHostingConfiguration.isPublic(host), host);
    }
}
