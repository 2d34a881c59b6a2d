package dev.dreamdrop.observe;

import dev.dreamdrop.journal.StatusOutbox;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.time.Duration;
import java.util.Map;

/**
 * The status router keeps up: results, emails and image clean-up are at most {@code maxAge} behind the journal,
 * with at most {@code maxDepth} changes waiting. A storage outage makes it DOWN once the oldest change has waited
 * too long, and UP again once the backlog is routed.
 */
public class StatusOutboxHealthCheck extends AbstractHealthCheck {

    private final StatusOutbox outbox;
    private final Duration maxAge;
    private final long maxDepth;

    public StatusOutboxHealthCheck(StatusOutbox outbox, Duration maxAge, long maxDepth) {
        super("dreamdrop", "status-outbox");
        this.outbox = outbox;
        this.maxAge = maxAge;
        this.maxDepth = maxDepth;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        StatusOutbox.Backlog backlog = outbox.backlog();
        builder.detail("depth", backlog.depth()).detail("oldest_seconds", backlog.oldestAge().toSeconds());
        if (backlog.oldestAge().compareTo(maxAge) > 0) {
            builder.down().message("the oldest status change has waited " + backlog.oldestAge().toSeconds()
                    + " s for the sinks (dreamdrop.health.outbox-max-age is " + maxAge.toSeconds() + " s); is the"
                    + " storage reachable?");
        } else if (backlog.depth() > maxDepth) {
            builder.down().message(backlog.depth() + " status changes wait for the sinks"
                    + " (dreamdrop.health.outbox-max-depth is " + maxDepth + ")");
        } else {
            builder.up();
        }
    }
}
