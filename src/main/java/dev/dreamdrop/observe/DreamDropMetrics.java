package dev.dreamdrop.observe;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.mail.MailOutbox;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * DreamDrop's own Prometheus figures. Counts of sets, trainings and emails are read from the journal when
 * scraped, so they survive restarts and agree with it; what the journal does not hold (webhooks refused, API
 * call times, retries) is counted as it happens.
 */
public final class DreamDropMetrics {

    private static final List<String> STATUSES = List.of("claimed", "submitting", "unknown_outcome", "deploying_gpu",
            "training_started", "training_success", "trained_model_compressing", "trained_model_uploading",
            "trained_model_uploaded", "deploying_model", "model_ready", "failed", "cancelled", "timed_out", "rejected");

    private DreamDropMetrics() {
    }

    public static void register(MeterRegistry registry, Journal journal, MailOutbox outbox) {
        FunctionCounter.builder("dreamdrop.sets.received", journal,
                        j -> j.countByStatus().values().stream().mapToLong(Long::longValue).sum())
                .description("Sets claimed from an inbox").register(registry);
        FunctionCounter.builder("dreamdrop.sets.rejected", journal,
                        j -> j.countByStatus().getOrDefault(TrainingStatus.REJECTED, 0L))
                .description("Sets rejected before any API call").register(registry);
        FunctionCounter.builder("dreamdrop.sets.submitted", journal, Journal::countSubmitted)
                .description("Sets whose training the API accepted").register(registry);
        for (String status : STATUSES) {
            // gauges hold their object weakly: the journal, which lives as long as DreamDrop, not a lambda
            Gauge.builder("dreamdrop.trainings", journal, j -> j.countByStatus().getOrDefault(status, 0L))
                    .tag("status", status).description("Jobs by current status").register(registry);
        }
        for (String state : List.of("sent", "pending", "parked")) {
            Gauge.builder("dreamdrop.emails", outbox, o -> o.countByState().getOrDefault(state, 0L))
                    .tag("state", state).description("Status emails by state").register(registry);
        }
    }
}
