package dev.dreamdrop.net;

import org.apache.camel.component.http.HttpComponent;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.socket.ConnectionSocketFactory;
import org.apache.hc.core5.http.config.Registry;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;

/**
 * Camel's HTTP component with the address check of {@link PolicyDnsResolver} in its connection pool: every call
 * DreamDrop makes with camel-http (the training API, status events, the photo link check) connects only where its
 * configuration says, or to the public internet.
 */
public class PolicyHttpComponent extends HttpComponent {

    private final PolicyDnsResolver dns;

    public PolicyHttpComponent(PolicyDnsResolver dns) {
        this.dns = dns;
    }

    /** As Camel's own, with the resolver: the same pool policy, time to live, limits and socket settings. */
    @Override
    protected HttpClientConnectionManager createConnectionManager(Registry<ConnectionSocketFactory> registry,
                                                                  int maxTotalConnections, int connectionsPerRoute,
                                                                  SocketConfig defaultSocketConfig) {
        PoolingHttpClientConnectionManager manager = new PoolingHttpClientConnectionManager(registry,
                PoolConcurrencyPolicy.STRICT, PoolReusePolicy.LIFO, TimeValue.ofMilliseconds(getConnectionTimeToLive()),
                null, dns, null);
        int maxTotal = maxTotalConnections != 0 ? maxTotalConnections : getMaxTotalConnections();
        if (maxTotal > 0) {
            manager.setMaxTotal(maxTotal);
        }
        manager.setDefaultSocketConfig(defaultSocketConfig);
        int perRoute = connectionsPerRoute != 0 ? connectionsPerRoute : getConnectionsPerRoute();
        if (perRoute > 0) {
            manager.setDefaultMaxPerRoute(perRoute);
        }
        return manager;
    }
}
