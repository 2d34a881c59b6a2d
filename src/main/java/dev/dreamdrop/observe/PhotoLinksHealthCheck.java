package dev.dreamdrop.observe;

import dev.dreamdrop.submit.PhotoLinkCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;
import java.util.TreeMap;

/**
 * DOWN while a set waits because the training API could not fetch its photo links (or reach the webhook URL):
 * names the set, the URL and the failure, so the operator knows what to fix. UP again once the check passes.
 */
public class PhotoLinksHealthCheck extends AbstractHealthCheck {

    private final PhotoLinkCheck check;

    public PhotoLinksHealthCheck(PhotoLinkCheck check) {
        super("dreamdrop", "photo-links");
        this.check = check;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Map<String, String> waiting = new TreeMap<>(check.waiting());
        builder.detail("waiting_sets", waiting.size());
        if (waiting.isEmpty()) {
            builder.up();
        } else {
            builder.down().message(waiting.size() + " set(s) wait because the training API could not fetch their"
                    + " photos; check dreamdrop.public-url. " + String.join("; ", waiting.values()));
        }
    }
}
