package dev.dreamdrop.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dreamdrop.config.Backoff;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.JournalException;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.journal.Sql;
import dev.dreamdrop.journal.StatusChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The status events DreamDrop owes to its receivers, kept in the journal's database (table event_outbox): one
 * row per status change and receiver, so that a crash, an outage of the receiver or a restart loses none and a
 * repeated routing of the same change queues nothing twice. A failed delivery is retried with backoff, across
 * restarts, then parked until an operator replays it. A receiver gets a job's events in order: a row is not due
 * while an earlier one of its job and receiver is undelivered, parked ones included.
 */
public class EventOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);

    /** Longer than one delivery can take (the HTTP client's timeouts); a dead replica's lapses with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final Journal journal;
    private final Reservations reservations;
    private final StatusEvents events;
    private final int maxAttempts;
    private final Backoff backoff;
    private final Duration retention;
    private final MeterRegistry metrics;
    private final ObjectMapper json = new ObjectMapper();

    public EventOutbox(DataSource dataSource, Journal journal, Reservations reservations, StatusEvents events,
                       int maxAttempts, Backoff backoff, Duration retention, MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.journal = journal;
        this.reservations = reservations;
        this.events = events;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.retention = retention;
        this.metrics = metrics;
    }

    /** One event to deliver to one receiver. */
    public record Delivery(long id, String messageId, String jobId, String receiver, String body, int attempts) {
    }

    /** Queues an event for every receiver of each applied change the status filter lets through. */
    public void enqueue(List<StatusChange> changes) {
        if (!events.enabled()) {
            return;
        }
        for (StatusChange change : changes) {
            if (!events.wants(change)) {
                continue;
            }
            Job job = journal.find(change.jobId()).orElseThrow();
            String body = null;
            for (String receiver : events.receivers(journal.eventReceivers(change.jobId()))) {
                body = body != null ? body : events.body(change, job);
                insert(StatusEvents.messageId(change), change.jobId(), receiver, body);
            }
        }
    }

    /** A second row for the same event and receiver is refused by the database: routing again queues nothing. */
    private void insert(String messageId, String jobId, String receiver, String body) {
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO event_outbox (message_id, job_id, receiver,"
                     + " body, state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)")) {
            Sql.bind(insert, messageId, jobId, receiver, body, Timestamp.from(now), Timestamp.from(now));
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) {
                throw new JournalException("cannot queue event " + messageId, e);
            }
        }
    }

    /** At start-up: events an earlier run of this instance was delivering when it stopped are due again now. */
    public void releaseOwnReservations() {
        int released = reservations.releaseOwn(dataSource, "event_outbox");
        if (released > 0) {
            LOG.info("{} status event(s) this instance was delivering when it stopped are due again", released);
        }
    }

    /**
     * Ids of the events whose time has come, the oldest undelivered one of each job and receiver only, each
     * reserved for this instance: replicas polling the same outbox never deliver one at the same time.
     */
    public List<Long> due() {
        if (!events.enabled()) {
            return List.of();
        }
        Instant now = Instant.now();
        List<Long> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT e.id FROM event_outbox e WHERE " + Reservations.due("e")
                     + " AND NOT EXISTS (SELECT 1 FROM event_outbox p WHERE p.job_id = e.job_id AND p.receiver ="
                     + " e.receiver AND p.id < e.id AND p.state <> 'delivered') ORDER BY e.id FETCH FIRST 50 ROWS ONLY")) {
            Sql.bind(q, reservations.dueParameters(now).toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the event outbox", e);
        }
        return ids.stream().filter(id -> reserve(id, now)).toList();
    }

    private boolean reserve(long id, Instant now) {
        List<Object> parameters = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                reservations.instanceId(), id));
        parameters.addAll(reservations.dueParameters(now));
        return Sql.update(dataSource, "event " + id, "UPDATE event_outbox e SET next_attempt_at = ?, reserved_by = ?"
                + " WHERE e.id = ? AND " + Reservations.due("e"), parameters.toArray()) == 1;
    }

    public Delivery delivery(long id) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT message_id, job_id, receiver, body, attempts"
                     + " FROM event_outbox WHERE id = ?")) {
            q.setLong(1, id);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new JournalException("no event " + id + " in the outbox", null);
                }
                return new Delivery(id, rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getInt(5));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the event outbox", e);
        }
    }

    /** The receiver answered: a 2xx delivers the event; anything else (a redirect too: not followed) fails it. */
    public void answered(Delivery delivery, int httpStatus) {
        if (httpStatus >= 200 && httpStatus < 300) {
            Sql.update(dataSource, "the event outbox", "UPDATE event_outbox SET state = 'delivered', delivered_at = ?,"
                    + " attempts = attempts + 1, reserved_by = NULL WHERE id = ?", Timestamp.from(Instant.now()),
                    delivery.id());
            counter("dreamdrop.events.delivered", "Status events a receiver accepted (2xx)", delivery).increment();
        } else {
            failed(delivery, "HTTP " + httpStatus + (httpStatus >= 300 && httpStatus < 400
                    ? " (redirects are not followed)" : ""));
        }
    }

    /** The receiver could not be reached, or did not answer in time. */
    public void notDelivered(Delivery delivery, Exception cause) {
        failed(delivery, cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }

    private void failed(Delivery delivery, String error) {
        int attempts = delivery.attempts() + 1;
        boolean park = attempts >= maxAttempts;
        Duration wait = backoff.after(attempts);
        Sql.update(dataSource, "the event outbox", "UPDATE event_outbox SET attempts = ?, last_error = ?, state = ?,"
                + " next_attempt_at = ?, reserved_by = NULL WHERE id = ?", attempts, error,
                park ? "parked" : "pending", Timestamp.from(Instant.now().plus(wait)), delivery.id());
        if (park) {
            counter("dreamdrop.events.parked", "Status events parked after their last attempt", delivery).increment();
            LOG.warn("Event {} to {} parked after {} attempts ({}); the job's later events wait behind it. Replay it"
                    + " from the dashboard or POST /api/events/{}/replay", delivery.messageId(),
                    receiverName(delivery.receiver()), attempts, error, delivery.id());
        } else {
            counter("dreamdrop.events.retried", "Failed deliveries of status events, to be retried", delivery)
                    .increment();
            LOG.info("Event {} to {} not delivered (attempt {}): {}; retrying in {} s", delivery.messageId(),
                    receiverName(delivery.receiver()), attempts, error, wait.toSeconds());
        }
    }

    private Counter counter(String name, String description, Delivery delivery) {
        return Counter.builder(name).description(description).tag("receiver", receiverName(delivery.receiver()))
                .register(metrics);
    }

    /**
     * A receiver as logs, metrics and the dashboard name it: scheme, host, port and path. Its query and user
     * information are left out: they may hold a receiver's token.
     */
    public static String receiverName(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    /** The parked events, oldest first, for the operator. */
    public JsonNode parked() {
        ArrayNode parked = json.createArrayNode();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT e.id, e.message_id, e.job_id, j.set_name, e.receiver,"
                     + " e.attempts, e.last_error, e.created_at, (SELECT COUNT(*) FROM event_outbox w WHERE w.job_id ="
                     + " e.job_id AND w.receiver = e.receiver AND w.id > e.id AND w.state = 'pending') FROM"
                     + " event_outbox e JOIN jobs j ON j.id = e.job_id WHERE e.state = 'parked' ORDER BY e.id");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                parked.addObject().put("id", rs.getLong(1)).put("message_id", rs.getString(2))
                        .put("job_id", rs.getString(3)).put("set", rs.getString(4))
                        .put("receiver", receiverName(rs.getString(5))).put("attempts", rs.getInt(6))
                        .put("last_error", rs.getString(7)).put("created", rs.getTimestamp(8).toInstant().toString())
                        .put("waiting_behind_it", rs.getLong(9));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the event outbox", e);
        }
        return parked;
    }

    /** A parked event is due again now, with a fresh count of attempts. @return whether it was parked */
    public boolean replay(long id) {
        boolean replayed = Sql.update(dataSource, "the event outbox", "UPDATE event_outbox SET state = 'pending',"
                + " attempts = 0, next_attempt_at = ?, reserved_by = NULL WHERE id = ? AND state = 'parked'",
                Timestamp.from(Instant.now()), id) == 1;
        if (replayed) {
            LOG.info("Parked event {} replayed by an operator", id);
        }
        return replayed;
    }

    /** How many events are in each state: pending, delivered, parked. */
    public Map<String, Long> countByState() {
        return Sql.countByState(dataSource, "event_outbox");
    }

    /** Forgets a job's delivered events (an erasure): the receivers have them; those on their way go on. */
    public int forgetDelivered(String jobId) {
        return Sql.update(dataSource, "the events of job " + jobId, "DELETE FROM event_outbox WHERE job_id = ? AND"
                + " state = 'delivered'", jobId);
    }

    /** Delivered events are kept as long as routed status changes (dreamdrop.outbox.retention), then deleted. */
    public int deleteDeliveredRows() {
        return Sql.update(dataSource, "the event outbox", "DELETE FROM event_outbox WHERE state = 'delivered'"
                + " AND delivered_at < ?", Timestamp.from(Instant.now().minus(retention)));
    }
}
