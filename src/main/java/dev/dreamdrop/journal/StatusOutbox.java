package dev.dreamdrop.journal;

import dev.dreamdrop.config.Backoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The status changes still to be routed to the sinks, kept in the journal: every event is queued here in the
 * transaction that journals it ({@link Journal#record}, {@link Journal#note}), so a change the journal knows always
 * reaches the results, the mail outbox and the image clean-up, whatever crashes in between. The status router
 * reserves the due rows job by job (all of a job's rows at once, so one render serves a burst of events), marks them
 * done once every sink has them, and after a failure (storage down) tries again with backoff, for as long as it takes.
 * Routing twice is harmless: the sinks render from the journal and the mail outbox holds one email per job and
 * status.
 */
public class StatusOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(StatusOutbox.class);
    /** Jobs taken per poll. */
    private static final int BATCH = 100;
    /** Longer than routing one job can take; a dead replica's reservation lapses sooner, with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);
    private static final int LOG_EVERY = 10;

    private final DataSource dataSource;
    private final Reservations reservations;
    private final Backoff backoff;
    private final Duration retention;

    public StatusOutbox(DataSource dataSource, Reservations reservations, Backoff backoff, Duration retention) {
        this.dataSource = dataSource;
        this.reservations = reservations;
        this.backoff = backoff;
        this.retention = retention;
    }

    /** How far the router is behind: rows not yet routed, and how long the oldest of them has waited. */
    public record Backlog(long depth, Duration oldestAge) {
    }

    /** Queues a journalled event for the sinks, inside the transaction that journals it. */
    static void queue(Connection c, StatusChange change) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO status_outbox (event_id, job_id, state,"
                + " next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)")) {
            insert.setLong(1, change.eventId());
            insert.setString(2, change.jobId());
            insert.setTimestamp(3, Timestamp.from(change.at()));
            insert.setTimestamp(4, Timestamp.from(change.at()));
            insert.executeUpdate();
        }
    }

    /** At start-up: whatever an earlier run of this instance was routing when it stopped is due again now. */
    public void releaseOwnReservations() {
        int released = reservations.releaseOwn(dataSource, "status_outbox");
        if (released > 0) {
            LOG.info("{} status change(s) this instance was routing when it stopped are routed again", released);
        }
    }

    /**
     * Reserves the due changes, grouped by job, oldest job first. A job's changes are reserved in one conditional
     * update: when two replicas reach for the same job, each gets only rows the other does not hold.
     */
    public List<RoutingBatch> reserveDue() {
        Instant now = Instant.now();
        List<RoutingBatch> batches = new ArrayList<>();
        for (String jobId : dueJobs(now)) {
            List<Object> parameters = new ArrayList<>(List.of(reservations.instanceId(),
                    Timestamp.from(now.plus(RESERVATION)), jobId));
            parameters.addAll(reservations.dueParameters(now));
            int reserved = Sql.update(dataSource, "the status outbox", "UPDATE status_outbox o SET reserved_by = ?,"
                    + " next_attempt_at = ? WHERE o.job_id = ? AND " + Reservations.due("o"), parameters.toArray());
            if (reserved > 0) {
                batches.addAll(reserved(jobId));
            }
        }
        return batches;
    }

    private List<String> dueJobs(Instant now) {
        List<String> jobs = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT o.job_id, MIN(o.event_id) FROM status_outbox o WHERE "
                     + Reservations.due("o") + " GROUP BY o.job_id ORDER BY 2 FETCH FIRST " + BATCH + " ROWS ONLY")) {
            Sql.bind(q, reservations.dueParameters(now).toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    jobs.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the status outbox", e);
        }
        return jobs;
    }

    /** The rows of the job this instance holds now; empty if another replica took them over in between. */
    private List<RoutingBatch> reserved(String jobId) {
        List<StatusChange> changes = new ArrayList<>();
        int attempts = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT " + Journal.EVENT_COLUMNS + ", o.attempts"
                     + " FROM status_outbox o JOIN job_events e ON e.id = o.event_id JOIN jobs j ON j.id = o.job_id"
                     + " WHERE o.job_id = ? AND o.reserved_by = ? AND o.state = 'pending' ORDER BY e.id")) {
            q.setString(1, jobId);
            q.setString(2, reservations.instanceId());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    changes.add(Journal.event(jobId, rs));
                    attempts = Math.max(attempts, rs.getInt(9));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the status outbox", e);
        }
        return changes.isEmpty() ? List.of()
                : List.of(new RoutingBatch(jobId, changes.get(0).setName(), changes, attempts));
    }

    /** Every sink has the batch's changes. */
    public void routed(RoutingBatch batch) {
        Sql.update(dataSource, "the status outbox", "UPDATE status_outbox SET state = 'done', done_at = ?,"
                + " reserved_by = NULL WHERE job_id = ? AND reserved_by = ? AND state = 'pending' AND event_id <= ?",
                Timestamp.from(Instant.now()), batch.jobId(), reservations.instanceId(), batch.latest().eventId());
    }

    /** A sink refused the batch (storage down, say): it is routed again after a backoff, however long it takes. */
    public void retryLater(RoutingBatch batch, String error) {
        int attempts = batch.attempts() + 1;
        Duration delay = backoff.after(attempts);
        Sql.update(dataSource, "the status outbox", "UPDATE status_outbox SET attempts = ?, last_error = ?,"
                + " next_attempt_at = ?, reserved_by = NULL WHERE job_id = ? AND reserved_by = ? AND state = 'pending'"
                + " AND event_id <= ?", attempts, error, Timestamp.from(Instant.now().plus(delay)), batch.jobId(),
                reservations.instanceId(), batch.latest().eventId());
        if (attempts == 1 || attempts % LOG_EVERY == 0) {
            LOG.warn("Results of set {} (job {}) not stored yet (attempt {}): {}; trying again in {} ms",
                    batch.setName(), batch.jobId(), attempts, error, delay.toMillis());
        }
    }

    /** Forgets the rows routed longer ago than the retention. */
    public int deleteRoutedRows() {
        return Sql.update(dataSource, "the status outbox", "DELETE FROM status_outbox WHERE state = 'done'"
                + " AND done_at < ?", Timestamp.from(Instant.now().minus(retention)));
    }

    public Backlog backlog() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT COUNT(*), MIN(created_at) FROM status_outbox"
                     + " WHERE state = 'pending'");
             ResultSet rs = q.executeQuery()) {
            rs.next();
            Timestamp oldest = rs.getTimestamp(2);
            return new Backlog(rs.getLong(1), oldest == null ? Duration.ZERO
                    : Duration.between(oldest.toInstant(), Instant.now()));
        } catch (SQLException e) {
            throw new JournalException("cannot read the status outbox", e);
        }
    }
}
