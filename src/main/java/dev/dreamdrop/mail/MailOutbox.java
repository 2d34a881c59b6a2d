package dev.dreamdrop.mail;

import dev.dreamdrop.journal.JournalException;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.Notification;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.journal.Sql;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.samples.SampleStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The emails DreamDrop owes, kept in the journal's database: one row per (job, status), so that duplicated
 * webhooks or repeated polls can never send a second email, and an SMTP outage loses none. A row is retried
 * with backoff, then parked. A model_ready email waits until the model's sample images are settled, to show them.
 */
public class MailOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(MailOutbox.class);

    /** Longer than sending one email can take; a dead replica's reservation lapses sooner, with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final Journal journal;
    private final Reservations reservations;
    private final MailSettings settings;
    private final Counter failedAttempts;

    public MailOutbox(DataSource dataSource, Journal journal, Reservations reservations, MailSettings settings,
                      MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.journal = journal;
        this.reservations = reservations;
        this.settings = settings;
        this.failedAttempts = Counter.builder("dreamdrop.emails.failed.attempts")
                .description("Attempts to send a status email that failed").register(metrics);
    }

    /** One email to send: the outbox row, its job and the status it tells about. */
    public record MailTask(long id, String jobId, String status, int attempts) {
    }

    /** Queues the emails for status changes, each if the change and the set's settings call for one. */
    public void enqueue(List<StatusChange> changes) {
        for (StatusChange change : changes) {
            if (settings.enabled() && change.isNews() && isWanted(change)) {
                insert(change);
            }
        }
    }

    /**
     * Forgets a job's emails, sent, due or parked (an erasure): the outbox rows, and the parked .eml files (and those
     * sent since from the replay folder, in its sibling {@code sent}). Returns how many rows there were.
     */
    public int forget(String jobId) {
        Path parked = settings.parkedDir();
        for (Path dir : List.of(parked, parked.resolveSibling("sent"))) {
            if (Files.isDirectory(dir)) {
                try (DirectoryStream<Path> emails = Files.newDirectoryStream(dir, jobId + "-*.eml")) {
                    for (Path email : emails) {
                        Files.deleteIfExists(email);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the parked emails of job " + jobId + " in " + dir, e);
                }
            }
        }
        return Sql.update(dataSource, "the emails of job " + jobId, "DELETE FROM mail_outbox WHERE job_id = ?", jobId);
    }

    /** At start-up: emails an earlier run of this instance was sending when it stopped are due again now. */
    public void releaseOwnReservations() {
        int released = reservations.releaseOwn(dataSource, "mail_outbox");
        if (released > 0) {
            LOG.info("{} email(s) this instance was sending when it stopped are due again", released);
        }
    }

    private boolean isWanted(StatusChange change) {
        Notification notification = journal.notification(change.jobId());
        List<String> statuses = notification.statuses() != null ? notification.statuses() : settings.statuses();
        return statuses.contains(change.status()) && !(notification.emails().isEmpty() && settings.to().isEmpty());
    }

    /** Inserts the outbox row; a second one for the same job and status is refused by the database. */
    private void insert(StatusChange change) {
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO mail_outbox (job_id, status, state,"
                     + " next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)")) {
            insert.setString(1, change.jobId());
            insert.setString(2, change.status());
            insert.setTimestamp(3, Timestamp.from(now));
            insert.setTimestamp(4, Timestamp.from(now));
            insert.executeUpdate();
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return;
            }
            throw new JournalException("cannot queue the email for job " + change.jobId(), e);
        }
    }

    /**
     * Ids of the emails whose time has come, each reserved for this instance: replicas polling the same outbox
     * never send one email twice. An email reserved by a replica that died is due again once its heartbeat is older
     * than the lease (see {@link Reservations}).
     */
    public List<Long> due() {
        if (!settings.enabled()) {
            return List.of();
        }
        Instant now = Instant.now();
        return candidates(now).stream().filter(id -> reserve(id, now)).toList();
    }

    private boolean reserve(long id, Instant now) {
        List<Object> parameters = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                reservations.instanceId(), id));
        parameters.addAll(reservations.dueParameters(now));
        return Sql.update(dataSource, "email " + id, "UPDATE mail_outbox m SET next_attempt_at = ?, reserved_by = ?"
                + " WHERE m.id = ? AND " + Reservations.due("m"), parameters.toArray()) == 1;
    }

    private List<Long> candidates(Instant now) {
        List<Long> ids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT m.id FROM mail_outbox m WHERE " + Reservations.due("m")
                     + " AND " + SampleStore.noSamplesOnTheirWay("m.job_id", "m.status")
                     + " ORDER BY m.id FETCH FIRST 50 ROWS ONLY")) {
            Sql.bind(q, reservations.dueParameters(now).toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the mail outbox", e);
        }
        return ids;
    }

    public MailTask task(long id) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT job_id, status, attempts FROM mail_outbox WHERE id = ?")) {
            q.setLong(1, id);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new JournalException("no email " + id + " in the outbox", null);
                }
                return new MailTask(id, rs.getString(1), rs.getString(2), rs.getInt(3));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the mail outbox", e);
        }
    }

    /** Whether no email about the same job was queued before this one. */
    public boolean isFirstOfItsJob(MailTask task) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM mail_outbox WHERE job_id = ? AND id < ?")) {
            Sql.bind(q, task.jobId(), task.id());
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 0;
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the mail outbox", e);
        }
    }

    /** How many emails are in each state: pending, sent, parked. */
    public Map<String, Long> countByState() {
        return Sql.countByState(dataSource, "mail_outbox");
    }

    public void sent(long id) {
        execute("UPDATE mail_outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, reserved_by = NULL"
                + " WHERE id = ?",
                Timestamp.from(Instant.now()), id);
    }

    /**
     * Records a failed attempt and schedules the next one.
     *
     * @return true when the email is now parked (no attempts left)
     */
    public boolean failed(long id, String error) {
        failedAttempts.increment();
        MailTask task = task(id);
        int attempts = task.attempts() + 1;
        boolean park = attempts >= settings.maxAttempts();
        execute("UPDATE mail_outbox SET attempts = ?, last_error = ?, state = ?, next_attempt_at = ?,"
                + " reserved_by = NULL WHERE id = ?",
                attempts, error, park ? "parked" : "pending",
                Timestamp.from(Instant.now().plus(settings.delayAfter(attempts))), id);
        if (park) {
            LOG.warn("Email about job {} ({}) parked after {} attempts: {}", task.jobId(), task.status(), attempts, error);
        } else {
            LOG.info("Email about job {} ({}) not sent (attempt {}): {}; retrying in {} s", task.jobId(),
                    task.status(), attempts, error, settings.delayAfter(attempts).toSeconds());
        }
        return park;
    }

    private void execute(String sql, Object... parameters) {
        Sql.update(dataSource, "the mail outbox", sql, parameters);
    }
}
