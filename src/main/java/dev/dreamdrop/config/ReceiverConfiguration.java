package dev.dreamdrop.config;

import dev.dreamdrop.net.PolicyDnsResolver;
import dev.dreamdrop.net.PolicyHttpComponent;
import dev.dreamdrop.net.ReceiverPolicy;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where DreamDrop's HTTP calls may go: anywhere its configuration names, and, for what a set names, the public
 * internet only ({@link ReceiverPolicy}); and Camel's HTTP client as the training API needs it.
 */
final class ReceiverConfiguration {

    private ReceiverConfiguration() {
    }

    /** What a set may name: the public internet, and the hosts an operator allows (dreamdrop.events.allowed-hosts). */
    static ReceiverPolicy forSets(Settings settings) {
        return ReceiverPolicy.withSystemResolver(new HashSet<>(settings.list("dreamdrop.events.allowed-hosts")));
    }

    /**
     * Where DreamDrop's HTTP client may connect: also the hosts of its own configuration (the training API, the
     * public URL, the S3 endpoint, dreamdrop.events.urls), which are trusted. A set cannot name those unless they
     * are allowed for sets too: its URLs are checked with {@link #forSets} first.
     */
    static ReceiverPolicy forConnections(Settings settings, String apiBaseUrl) {
        List<String> configured = new ArrayList<>(List.of(apiBaseUrl, settings.text("dreamdrop.public-url"),
                settings.text("dreamdrop.s3.endpoint")));
        configured.addAll(settings.list("dreamdrop.events.urls"));
        Set<String> trusted = new HashSet<>(ReceiverPolicy.hostsOf(configured));
        trusted.addAll(settings.list("dreamdrop.events.allowed-hosts"));
        return ReceiverPolicy.withSystemResolver(trusted);
    }

    /**
     * Camel's HTTP components, with the policy checked at each connection, the timeouts of dreamdrop.api.*, no
     * redirects followed, and none of HttpClient's own retries (it would repeat a POST answered 429 or 503 by
     * itself, out of sight of Camel's count, the journal and the metrics).
     */
    static void configureHttp(CamelContext context, Settings settings, ReceiverPolicy policy) {
        long connectTimeout = settings.duration("dreamdrop.api.connect-timeout").toMillis();
        long answerTimeout = settings.duration("dreamdrop.api.timeout").toMillis();
        for (String scheme : List.of("http", "https")) {
            HttpComponent http = new PolicyHttpComponent(new PolicyDnsResolver(policy));
            http.setConnectTimeout(connectTimeout);
            http.setConnectionRequestTimeout(connectTimeout);
            http.setResponseTimeout(answerTimeout);
            http.setSoTimeout(answerTimeout);
            http.setAutomaticRetriesDisabled(true);
            http.setRedirectHandlingDisabled(true);
            http.setFollowRedirects(false);
            context.addComponent(scheme, http);
        }
    }
}
