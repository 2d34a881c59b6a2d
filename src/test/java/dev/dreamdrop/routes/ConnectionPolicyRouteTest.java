package dev.dreamdrop.routes;

import dev.dreamdrop.testing.DreamDropRouteTest;
import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpComponent;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Camel's HTTP client, as DreamDrop configures it, checks every address it connects to: the hosts of DreamDrop's
 * configuration are trusted, any other must be public, so a name a set gave that resolves inside now is refused at
 * the connection itself (shown here with a loopback literal that no configuration names).
 */
class ConnectionPolicyRouteTest extends DreamDropRouteTest {

    @Test
    void aConnectionInsideThatNoConfigurationNamesIsRefusedAndTheConfiguredOnesWork() throws Exception {
        startDreamDrop();
        int sandboxPort = URI.create(sandbox.baseUrl()).getPort();
        assertInstanceOf(HttpComponent.class, context.getComponent("http"));

        Exchange inside = template.request("http://127.0.0.2:" + sandboxPort + "/_sandbox/requests", exchange ->
                exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET"));
        assertInstanceOf(UnknownHostException.class, inside.getException(), String.valueOf(inside.getException()));
        assertTrue(inside.getException().getMessage().contains("non-public address 127.0.0.2"));

        Exchange configured = template.request(sandbox.baseUrl() + "/_sandbox/requests", exchange ->
                exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "GET"));
        assertNull(configured.getException(), "the training API's host is DreamDrop's configuration: trusted");
        assertEquals(200, configured.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
    }
}
