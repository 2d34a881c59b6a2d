package dev.dreamdrop.observe;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.events.EventOutbox;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusOutbox;
import dev.dreamdrop.mail.MailOutbox;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * DreamDrop's own Prometheus figures. Counts of sets, trainings and emails are read from the journal when
 * scraped, so they survive restarts and agree with it; what the journal does not hold (webhooks refused, API
 * call times, retries) is counted as it happens. One scrape reads each count once, however many series use it.
 */
public final class DreamDropMetrics {

    private static final long SCRAPE_MILLIS = 1000;

    private final Snapshot<Map<String, Long>> jobs;
    private final Snapshot<Map<String, Long>> emails;
    private final Snapshot<Map<String, Long>> events;
    private final Snapshot<Long> submitted;
    private final Snapshot<StatusOutbox.Backlog> unrouted;

    private DreamDropMetrics(Journal journal, MailOutbox mail, StatusOutbox statusOutbox, EventOutbox eventOutbox) {
        jobs = new Snapshot<>(journal::countByStatus);
        emails = new Snapshot<>(mail::countByState);
        events = new Snapshot<>(eventOutbox::countByState);
        submitted = new Snapshot<>(journal::countSubmitted);
        unrouted = new Snapshot<>(statusOutbox::backlog);
    }

    /**
     * Registers the figures. Meters hold their object weakly: keep the returned instance for as long as the
     * registry is scraped (DreamDrop binds it in Camel's registry).
     */
    public static DreamDropMetrics register(MeterRegistry registry, Journal journal, MailOutbox mail,
                                            StatusOutbox statusOutbox, EventOutbox eventOutbox) {
        DreamDropMetrics metrics = new DreamDropMetrics(journal, mail, statusOutbox, eventOutbox);
        FunctionCounter.builder("dreamdrop.sets.received", metrics,
                        m -> m.jobs.get().values().stream().mapToLong(Long::longValue).sum())
                .description("Sets claimed from an inbox").register(registry);
        FunctionCounter.builder("dreamdrop.sets.rejected", metrics,
                        m -> m.jobs.get().getOrDefault(TrainingStatus.REJECTED, 0L))
                .description("Sets rejected before any API call").register(registry);
        FunctionCounter.builder("dreamdrop.sets.submitted", metrics, m -> m.submitted.get())
                .description("Sets whose training the API accepted").register(registry);
        for (String status : TrainingStatus.ALL) {
            Gauge.builder("dreamdrop.trainings", metrics, m -> m.jobs.get().getOrDefault(status, 0L))
                    .tag("status", status).description("Jobs by current status").register(registry);
        }
        for (String state : List.of("sent", "pending", "parked")) {
            Gauge.builder("dreamdrop.emails", metrics, m -> m.emails.get().getOrDefault(state, 0L))
                    .tag("state", state).description("Status emails by state").register(registry);
        }
        // delivered, retried and parked by receiver are counted as they happen (EventOutbox)
        for (String state : List.of("delivered", "pending", "parked")) {
            Gauge.builder("dreamdrop.events.outbox", metrics, m -> m.events.get().getOrDefault(state, 0L))
                    .tag("state", state).description("Status events by state").register(registry);
        }
        Gauge.builder("dreamdrop.status.outbox.depth", metrics, m -> m.unrouted.get().depth())
                .description("Journalled status changes not yet routed to every sink").register(registry);
        Gauge.builder("dreamdrop.status.outbox.oldest", metrics, m -> m.unrouted.get().oldestAge().toMillis() / 1000.0)
                .baseUnit("seconds").description("How long the oldest unrouted status change has waited")
                .register(registry);
        return metrics;
    }

    /** A value read at most once per scrape. */
    private static final class Snapshot<T> {
        private final Supplier<T> read;
        private T value;
        private long readAt;

        Snapshot(Supplier<T> read) {
            this.read = read;
        }

        synchronized T get() {
            long now = System.currentTimeMillis();
            if (value == null || now - readAt > SCRAPE_MILLIS) {
                value = read.get();
                readAt = now;
            }
            return value;
        }
    }
}
