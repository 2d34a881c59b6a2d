package dev.dreamdrop.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Inbound webhooks signed per Standard Webhooks: when dreamdrop.api.webhook-secret is set and a webhook carries a
 * {@code webhook-signature}, the signature and its timestamp (within the library's 5 minutes) must check out, or
 * the webhook is refused with 401 before anything is read from it. Unsigned webhooks keep the token rules; without
 * a secret, signatures are not looked at.
 */
public class WebhookSignatures {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSignatures.class);
    private static final List<String> HEADERS = List.of("webhook-id", "webhook-timestamp", "webhook-signature");

    private final Webhook verifier;
    private final MeterRegistry metrics;

    /** @param secret the {@code whsec_...} secret, or null/empty to leave signatures alone */
    public WebhookSignatures(String secret, MeterRegistry metrics) {
        this.metrics = metrics;
        if (secret == null || secret.isBlank()) {
            this.verifier = null;
            return;
        }
        try {
            this.verifier = new Webhook(secret);
        } catch (RuntimeException | com.standardwebhooks.exceptions.EmptyWebhookSecretException e) {
            throw new IllegalArgumentException("Configuration key dreamdrop.api.webhook-secret is not a Standard"
                    + " Webhooks secret: give the whsec_... secret the training API signs with");
        }
    }

    /** Whether the webhook in {@code exchange} (its body a String) is signed and its signature fails. */
    public boolean isForged(Exchange exchange) {
        if (verifier == null || exchange.getMessage().getHeader("webhook-signature") == null) {
            return false;
        }
        Map<String, List<String>> headers = new HashMap<>();
        for (String name : HEADERS) {
            String value = exchange.getMessage().getHeader(name, String.class);
            if (value != null) {
                headers.put(name, List.of(value));
            }
        }
        try {
            verifier.verify(exchange.getMessage().getBody(String.class), headers);
            return false;
        } catch (WebhookVerificationException e) {
            LOG.warn("A signed webhook was refused (401): {}", e.getMessage());
            return true;
        }
    }

    public WebhookReceipt refusal() {
        metrics.counter("dreamdrop.webhook.events", "outcome", "refused_401").increment();
        return WebhookReceipt.refused(401, "the webhook's signature does not verify");
    }
}
