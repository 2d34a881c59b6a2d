package dev.dreamdrop.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.api.TrainingStatus;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

import javax.sql.DataSource;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The job journal: the single source of truth for every set and training. A set is claimed here before
 * any work is done on it, its request is written here before the API is called, and every status event
 * is recorded here before anything else reacts to it.
 *
 * <p>A set is "active" while its folder may still be in the inbox (statuses {@code claimed} and
 * {@code submitting}); a unique key on the active set name makes a claim atomic, so the same set is
 * never claimed twice, whatever the number of scans.
 */
public class Journal {

    private static final ObjectMapper WARNINGS_JSON = new ObjectMapper();
    private static final String JOB_COLUMNS = "id, source, set_name, fingerprint, status, training_id, webhook_token,"
            + " image_token, image_count, request_json, error, created_at, updated_at, submitted_at, endpoint, owner,"
            + " api_called_at, photo_warnings";

    private final DataSource dataSource;
    private final String instanceId;
    private final SecureRandom random = new SecureRandom();

    /** @param instanceId this replica's name, unique among the replicas sharing the journal */
    public Journal(DataSource dataSource, String instanceId) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
    }

    /**
     * Brings the journal's tables up to date with the migrations for its database (H2 or PostgreSQL). Replicas
     * starting together on one PostgreSQL are safe: Flyway holds a lock while it migrates. A journal made before
     * migrations were used is taken as version 0, and the first migration completes it.
     */
    public void migrate() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            String vendor = c.getMetaData().getDatabaseProductName();
            if ("H2".equals(vendor)) {
                // H2 otherwise writes commits to its file up to a second late, and a killed process would
                // forget claims and submissions it had already acted on. H2 then has no background writer, whose
                // upkeep of the file JournalFile does instead
                s.execute("SET WRITE_DELAY 0");
            }
            Flyway.configure(Journal.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations("classpath:db/migration/common")
                    // images: H2 keeps a BLOB beside the table's rows, written once (V12__images_beside_the_rows)
                    .placeholders(Map.of("bytes", "H2".equals(vendor) ? "BLOB" : "BYTEA"))
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        } catch (SQLException | FlywayException e) {
            throw new JournalException("cannot bring the journal's tables up to date", e);
        }
    }

    /** This replica is alive: other replicas leave its claims alone while its heartbeat is recent. */
    public void heartbeat() {
        Timestamp now = Timestamp.from(Instant.now());
        if (Sql.update(dataSource, "replica " + instanceId, "UPDATE replicas SET heartbeat_at = ? WHERE id = ?",
                now, instanceId) == 0) {
            Sql.update(dataSource, "replica " + instanceId, "INSERT INTO replicas (id, started_at, heartbeat_at)"
                    + " VALUES (?, ?, ?)", instanceId, now, now);
        }
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * Claimed or submitting jobs whose replica is gone: another instance id whose last heartbeat is older than
     * {@code lease}, or that never beat (a journal from before replicas).
     */
    public List<Job> orphanedJobs(Duration lease) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs j WHERE j.status IN (?, ?)"
                + " AND (j.owner IS NULL OR j.owner <> ?)"
                + " AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.id = j.owner AND r.heartbeat_at >= ?)"
                + " ORDER BY j.created_at", TrainingStatus.CLAIMED, TrainingStatus.SUBMITTING, instanceId,
                Timestamp.from(Instant.now().minus(lease)));
    }

    /** Takes an orphaned job over; false when another replica was quicker. */
    public boolean takeOver(Job orphan) {
        return Sql.update(dataSource, "job " + orphan.id(), "UPDATE jobs SET owner = ? WHERE id = ? AND status = ?"
                + " AND COALESCE(owner, '') = ?", instanceId, orphan.id(), orphan.status(),
                orphan.owner() == null ? "" : orphan.owner()) == 1;
    }

    /**
     * Reserves a training for one status poll, so that replicas take turns instead of all asking the API;
     * false when another replica polled it less than {@code interval} ago.
     */
    public boolean reservePoll(String jobId, Duration interval) {
        Instant now = Instant.now();
        return Sql.update(dataSource, "job " + jobId, "UPDATE jobs SET polled_at = ? WHERE id = ?"
                + " AND (polled_at IS NULL OR polled_at < ?)", Timestamp.from(now), jobId,
                Timestamp.from(now.minus(interval))) == 1;
    }

    /**
     * Where a set is archived to: the first destination chosen for a job is kept, so a move interrupted and
     * finished later, by this replica or another, ends in the same place.
     */
    public String moveDestination(String jobId, Supplier<String> choose) {
        Optional<String> chosen = movedTo(jobId);
        if (chosen.isPresent()) {
            return chosen.get();
        }
        Sql.update(dataSource, "job " + jobId, "UPDATE jobs SET moved_to = ? WHERE id = ? AND moved_to IS NULL",
                choose.get(), jobId);
        return movedTo(jobId).orElseThrow();
    }

    /** Where the job's set was archived to, once that was chosen. */
    public Optional<String> movedTo(String jobId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT moved_to FROM jobs WHERE id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read where job " + jobId + " is moved to", e);
        }
    }

    /**
     * Claims a set for processing, unless it is claimed already.
     *
     * @return the new job, or empty when an active job holds this set already
     */
    public Optional<Job> claim(String source, String setName, String fingerprint) {
        String id = UUID.randomUUID().toString();
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO jobs (id, source, set_name, fingerprint,"
                     + " status, active_key, webhook_token, image_token, created_at, updated_at, owner)"
                     + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, id);
            insert.setString(2, source);
            insert.setString(3, setName);
            insert.setString(4, fingerprint);
            insert.setString(5, TrainingStatus.CLAIMED);
            insert.setString(6, activeKey(source, setName));
            insert.setString(7, newToken());
            insert.setString(8, newToken());
            insert.setTimestamp(9, Timestamp.from(now));
            insert.setTimestamp(10, Timestamp.from(now));
            insert.setString(11, instanceId);
            insert.executeUpdate();
            insertEvent(c, new StatusChange(id, setName, TrainingStatus.CLAIMED, "intake", "set claimed", true,
                    null, now, 0));
        } catch (SQLException e) {
            if (isUniqueViolation(e)) {
                return Optional.empty();
            }
            throw new JournalException("cannot claim set " + setName, e);
        }
        return find(id);
    }

    /** Whether an active job holds this set (it is being worked on, or was left so by a crash). */
    public boolean isActive(String source, String setName) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE active_key = ?", activeKey(source, setName))
                .size() > 0;
    }

    public Optional<Job> find(String jobId) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE id = ?", jobId).stream().findFirst();
    }

    public Optional<Job> findByWebhookToken(String token) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE webhook_token = ?", token).stream().findFirst();
    }

    public Optional<Job> findByImageToken(String token) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE image_token = ?", token).stream().findFirst();
    }

    /** Records that the job's set has left the inbox for good (archived, or moved to the failed place). */
    public void markMoved(String jobId) {
        update(jobId, "UPDATE jobs SET moved = TRUE WHERE id = ?", jobId);
    }

    /**
     * The job whose set, of this name, left the claimed state but never finished leaving the inbox (its move was
     * interrupted), if any: that set must be moved on, not claimed again.
     */
    public Optional<Job> unfinishedMove(String source, String setName) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE source = ? AND set_name = ? AND moved = FALSE"
                + " AND status NOT IN (?, ?) ORDER BY created_at DESC", source, setName, TrainingStatus.CLAIMED,
                TrainingStatus.SUBMITTING).stream().findFirst();
    }

    /** How many jobs are in each status. */
    public Map<String, Long> countByStatus() {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT status, COUNT(*) FROM jobs GROUP BY status");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot count jobs", e);
        }
        return counts;
    }

    /** How many jobs got a training id, i.e. were submitted and accepted. */
    public long countSubmitted() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM jobs WHERE training_id IS NOT NULL");
             ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new JournalException("cannot count jobs", e);
        }
    }

    /**
     * Jobs submitted (or maybe submitted) whose training has not ended, oldest first; not those being erased: their
     * erasure cancels the training and records it cancelled, which the API, asked meanwhile, reports as failed.
     */
    public List<Job> unfinishedTrainings() {
        List<String> training = TrainingStatus.UNFINISHED.stream().filter(status -> !status.equals(TrainingStatus.CLAIMED)
                && !status.equals(TrainingStatus.SUBMITTING)).toList();
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs j WHERE status IN (" + Sql.placeholders(training.size())
                + ") AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.job_id = j.id AND e.state <> 'done')"
                + " ORDER BY created_at", training.toArray());
    }

    /** The newest job made from a set of this name and source. */
    public Optional<Job> latestJob(String source, String setName) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE source = ? AND set_name = ?"
                + " ORDER BY created_at DESC", source, setName).stream().findFirst();
    }

    /**
     * A page of jobs, newest first (see {@link JobQuery}), read with one query served by an index whatever the
     * journal's size: the newest first by {@code jobs_newest}, or those of a status by {@code jobs_by_status}.
     */
    public List<Job> jobs(JobQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + JOB_COLUMNS + " FROM jobs WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        List<String> statuses = query.running() ? TrainingStatus.UNFINISHED : query.statuses();
        if (statuses != null && !statuses.isEmpty()) {
            sql.append(" AND status IN (").append(Sql.placeholders(statuses.size())).append(")");
            parameters.addAll(statuses);
        }
        if (query.setPrefix() != null && !query.setPrefix().isEmpty()) {
            sql.append(" AND set_name LIKE ? ESCAPE '\\'");
            parameters.add(query.setPrefix().replaceAll("([\\\\%_])", "\\\\$1") + "%");
        }
        if (query.since() != null) {
            sql.append(" AND updated_at >= ?");
            parameters.add(Timestamp.from(query.since()));
        }
        if (query.before() != null) {
            sql.append(" AND (created_at < ? OR created_at = ? AND id < ?)");
            Timestamp at = Timestamp.from(query.before().createdAt());
            parameters.addAll(List.of(at, at, query.before().jobId()));
        }
        sql.append(" ORDER BY created_at DESC, id DESC FETCH FIRST ").append(query.limit()).append(" ROWS ONLY");
        return queryJobs(sql.toString(), parameters.toArray());
    }

    public List<Job> allJobs() {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs ORDER BY created_at DESC");
    }

    public List<Job> jobsInStatus(String status) {
        return queryJobs("SELECT " + JOB_COLUMNS + " FROM jobs WHERE status = ? ORDER BY created_at", status);
    }

    /**
     * Marks a claimed job as being submitted and records its request (key masked). Not applied when the job
     * has left {@code claimed} already: the caller must then not call the API, or it would submit twice.
     *
     * @param endpoint the API path the request goes to, which also decides where its status is asked
     */
    public StatusChange markSubmitting(String jobId, int imageCount, String endpoint, String maskedRequestJson) {
        // the request first, while the job is still claimed: a job in submitting always has its request, and a
        // crash in between leaves a claimed job, prepared and submitted again later
        update(jobId, "UPDATE jobs SET image_count = ?, endpoint = ?, request_json = ? WHERE id = ? AND status = ?",
                imageCount, endpoint, maskedRequestJson, jobId, TrainingStatus.CLAIMED);
        return record(jobId, TrainingStatus.SUBMITTING, "submit", "calling " + endpoint);
    }

    /**
     * Says why a set being submitted waits (null: it waits no more) on the job, where status.json shows it, and
     * journals the news, so the results are rendered again.
     */
    public void waiting(String jobId, String reason, String detail) {
        update(jobId, "UPDATE jobs SET error = ? WHERE id = ? AND status = ?", reason, jobId, TrainingStatus.SUBMITTING);
        note(jobId, TrainingStatus.SUBMITTING, "check", detail);
    }

    /** Completes a journalled request before it is sent (the links of photos uploaded to the vendor's storage). */
    public void recordRequest(String jobId, String maskedRequestJson) {
        update(jobId, "UPDATE jobs SET request_json = ? WHERE id = ? AND status = ? AND api_called_at IS NULL",
                maskedRequestJson, jobId, TrainingStatus.SUBMITTING);
    }

    /**
     * Records that the API is about to be called for a job being submitted. Until then a submission cut short
     * certainly did not reach the API, and may be made again; after it, its outcome is unknown. A compare-and-set:
     * only while the job is submitting and not marked yet, so that of any number of attempts (redeliveries,
     * replicas, restarts) one at most calls the API until {@link #markApiNotCalled} says it did not take it.
     *
     * @return whether this caller may call the API
     */
    public boolean markCallingApi(String jobId) {
        return Sql.update(dataSource, "job " + jobId, "UPDATE jobs SET api_called_at = ? WHERE id = ? AND status = ?"
                + " AND api_called_at IS NULL", Timestamp.from(Instant.now()), jobId, TrainingStatus.SUBMITTING) == 1;
    }

    /**
     * Records that the API answered a call for this job with a refusal that is retried (rate limit, 5xx, no
     * connection): it started no training, so a submission cut short while waiting to retry may be made again.
     */
    public void markApiNotCalled(String jobId) {
        update(jobId, "UPDATE jobs SET api_called_at = NULL WHERE id = ?", jobId);
    }

    /** Records the training id the API gave, and the status it reported with it. */
    public StatusChange markSubmitted(String jobId, String trainingId, String status, String detail) {
        update(jobId, "UPDATE jobs SET training_id = ?, submitted_at = ? WHERE id = ?",
                trainingId, Timestamp.from(Instant.now()), jobId);
        return record(jobId, status, "submit", detail);
    }

    /** Adopts the training id a webhook names for a job that never learned it (unknown outcome). */
    public void adoptTrainingId(String jobId, String trainingId) {
        update(jobId, "UPDATE jobs SET training_id = ?, submitted_at = COALESCE(submitted_at, ?)"
                + " WHERE id = ? AND training_id IS NULL", trainingId, Timestamp.from(Instant.now()), jobId);
    }

    /** Ends a job with an error the person who dropped the set can act on. */
    public StatusChange fail(String jobId, String status, String source, String error) {
        update(jobId, "UPDATE jobs SET error = ? WHERE id = ?", error, jobId);
        return record(jobId, status, source, error);
    }

    /**
     * Records a status event and moves the job forward when the event is progress. Duplicates,
     * regressions, events after a terminal status and unknown status strings are recorded but not applied.
     * Either way the event is queued for the sinks in the same transaction (see {@link StatusOutbox}).
     */
    public StatusChange record(String jobId, String status, String source, String detail) {
        Instant now = Instant.now();
        return inTransaction("record status " + status + " for job " + jobId, c -> {
            LockedJob locked = lock(c, jobId);
            String current = locked.status();
            String setName = locked.setName();
            boolean applied = isProgress(current, status);
            if (applied) {
                try (PreparedStatement update = c.prepareStatement("UPDATE jobs SET status = ?, updated_at = ?,"
                        + " active_key = CASE WHEN ? THEN active_key ELSE NULL END WHERE id = ?")) {
                    update.setString(1, status);
                    update.setTimestamp(2, Timestamp.from(now));
                    update.setBoolean(3, TrainingStatus.CLAIMED.equals(status)
                            || TrainingStatus.SUBMITTING.equals(status));
                    update.setString(4, jobId);
                    update.executeUpdate();
                }
            }
            return journalEvent(c, new StatusChange(jobId, setName, status, source, detail, applied, current, now, 0));
        });
    }

    /**
     * Records an event that must not change the job, such as an end status the API did not confirm; queued for the
     * sinks like any other.
     */
    public StatusChange note(String jobId, String status, String source, String detail) {
        Job job = find(jobId).orElseThrow(() -> new JournalException("no job " + jobId, null));
        StatusChange event = new StatusChange(jobId, job.setName(), status, source, detail, false, job.status(),
                Instant.now(), 0);
        return inTransaction("record status " + status + " for job " + jobId, c -> journalEvent(c, event));
    }

    /**
     * As {@link #note}, once for a job: when the job has an event of this status already (a second replica, a retry
     * after a crash), nothing is recorded.
     */
    public void noteOnce(String jobId, String status, String source, String detail) {
        inTransaction("record status " + status + " for job " + jobId, c -> {
            // the job's row locked, so two replicas cannot both find no such event
            LockedJob locked = lock(c, jobId);
            try (PreparedStatement q = c.prepareStatement("SELECT COUNT(*) FROM job_events WHERE job_id = ? AND"
                    + " status = ?")) {
                Sql.bind(q, jobId, status);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > 0) {
                        return null;
                    }
                }
            }
            return journalEvent(c, new StatusChange(jobId, locked.setName(), status, source, detail, false,
                    locked.status(), Instant.now(), 0));
        });
    }

    private record LockedJob(String status, String setName) {
    }

    /** Locks the job's row for the rest of the transaction: its changes are made one at a time. */
    private static LockedJob lock(Connection c, String jobId) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT status, set_name FROM jobs WHERE id = ? FOR UPDATE")) {
            lock.setString(1, jobId);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new JournalException("no job " + jobId, null);
                }
                return new LockedJob(rs.getString(1), rs.getString(2));
            }
        }
    }

    /** The event, and its place in the status outbox: the sinks hear of every event the journal holds. */
    private static StatusChange journalEvent(Connection c, StatusChange event) throws SQLException {
        StatusChange journalled = insertEvent(c, event);
        StatusOutbox.queue(c, journalled);
        return journalled;
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new JournalException("cannot " + what, e);
        }
    }

    /**
     * Who hears about the job by email, and for which statuses (null: the configured ones), and where its own
     * status events go besides the configured receivers.
     */
    public void recordNotification(String jobId, List<String> emails, List<String> statuses, List<String> eventUrls) {
        // the URLs one per line: a URL may hold a comma
        update(jobId, "UPDATE jobs SET notify_email = ?, notify_statuses = ?, notify_url = ? WHERE id = ?",
                String.join(",", emails), statuses == null ? null : String.join(",", statuses),
                String.join("\n", eventUrls), jobId);
    }

    /** What the photo check found in the set's photos (see {@link PhotoWarning}); an empty list clears it. */
    public void recordPhotoWarnings(String jobId, List<PhotoWarning> warnings) {
        try {
            update(jobId, "UPDATE jobs SET photo_warnings = ? WHERE id = ?",
                    warnings.isEmpty() ? null : WARNINGS_JSON.writeValueAsString(warnings), jobId);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JournalException("cannot write the photo warnings of job " + jobId, e);
        }
    }

    public List<PhotoWarning> photoWarnings(String jobId) {
        return find(jobId).map(Job::photoWarnings).orElse(List.of());
    }

    private static List<PhotoWarning> warnings(String stored) {
        try {
            return stored == null ? List.of() : List.of(WARNINGS_JSON.readValue(stored, PhotoWarning[].class));
        } catch (IOException e) {
            throw new JournalException("cannot read photo warnings " + stored, e);
        }
    }

    /** The set's own receivers of its status events ({@code notify_url}), possibly none. */
    public List<String> eventReceivers(String jobId) {
        String urls = jobColumn(jobId, "notify_url");
        return urls == null || urls.isBlank() ? List.of() : List.of(urls.split("\n"));
    }

    /** One text column of a job, null when the job or the value is missing. */
    private String jobColumn(String jobId, String column) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT " + column + " FROM jobs WHERE id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the " + column + " of job " + jobId, e);
        }
    }

    /** The job's {@code notify_email} addresses and {@code notify_statuses} (null when the set did not say). */
    public Notification notification(String jobId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT notify_email, notify_statuses FROM jobs WHERE id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new JournalException("no job " + jobId, null);
                }
                return new Notification(split(rs.getString(1)), rs.getString(2) == null ? null : split(rs.getString(2)));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read job " + jobId, e);
        }
    }

    /** Small JPEG thumbnails of the job's prepared photos, kept after the photos themselves are deleted. */
    public void storeThumbnails(String jobId, List<byte[]> thumbnails) {
        inTransaction("store thumbnails of job " + jobId, c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM job_thumbnails WHERE job_id = ?");
                 PreparedStatement insert = c.prepareStatement(
                         "INSERT INTO job_thumbnails (job_id, idx, jpeg) VALUES (?, ?, ?)")) {
                delete.setString(1, jobId);
                delete.executeUpdate();
                for (int i = 0; i < thumbnails.size(); i++) {
                    insert.setString(1, jobId);
                    insert.setInt(2, i);
                    insert.setBytes(3, thumbnails.get(i));
                    insert.addBatch();
                }
                return insert.executeBatch();
            }
        });
    }

    /**
     * Forgets what the journal holds of a job beyond its tombstone (an erasure): the training request (prompts and
     * photo links), the email address, the photo warnings (file names), the error and every event's detail. The job
     * keeps its id, set name, training id, statuses and times, so its guarantees and audit trail remain.
     */
    public void forgetDetails(String jobId) {
        inTransaction("forget the details of job " + jobId, c -> {
            try (PreparedStatement job = c.prepareStatement("UPDATE jobs SET request_json = NULL, notify_email = NULL,"
                    + " photo_warnings = NULL, error = NULL WHERE id = ?");
                 PreparedStatement events = c.prepareStatement("UPDATE job_events SET detail = NULL WHERE job_id = ?");
                 PreparedStatement thumbnails = c.prepareStatement("DELETE FROM job_thumbnails WHERE job_id = ?")) {
                for (PreparedStatement statement : List.of(job, events, thumbnails)) {
                    statement.setString(1, jobId);
                    statement.executeUpdate();
                }
                return null;
            }
        });
    }

    public List<byte[]> thumbnails(String jobId) {
        List<byte[]> thumbnails = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT jpeg FROM job_thumbnails WHERE job_id = ? ORDER BY idx")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    thumbnails.add(rs.getBytes(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read thumbnails of job " + jobId, e);
        }
        return thumbnails;
    }

    private static List<String> split(String joined) {
        return joined == null || joined.isBlank() ? List.of() : List.of(joined.split(","));
    }

    /** The id of the job's latest event. */
    public long lastEventId(String jobId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT MAX(id) FROM job_events WHERE job_id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the events of job " + jobId, e);
        }
    }

    /** Every event recorded for a job, oldest first. */
    public List<StatusChange> events(String jobId) {
        List<StatusChange> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT " + EVENT_COLUMNS + " FROM job_events e"
                     + " JOIN jobs j ON j.id = e.job_id WHERE e.job_id = ? ORDER BY e.id")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    events.add(event(jobId, rs));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the events of job " + jobId, e);
        }
        return events;
    }

    /** The columns {@link #event} reads, first in a query over job_events {@code e} joined with jobs {@code j}. */
    static final String EVENT_COLUMNS = "e.status, e.source, e.detail, e.applied, e.previous, e.received_at,"
            + " j.set_name, e.id";

    static StatusChange event(String jobId, ResultSet rs) throws SQLException {
        return new StatusChange(jobId, rs.getString(7), rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getBoolean(4), rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getLong(8));
    }

    private static StatusChange insertEvent(Connection c, StatusChange event) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO job_events (job_id, status, source,"
                + " detail, applied, previous, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", new String[]{"id"})) {
            insert.setString(1, event.jobId());
            insert.setString(2, event.status());
            insert.setString(3, event.source());
            insert.setString(4, event.detail());
            insert.setBoolean(5, event.applied());
            insert.setString(6, event.previous());
            insert.setTimestamp(7, Timestamp.from(event.at()));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                return keys.next() ? event.withEventId(keys.getLong(1)) : event;
            }
        }
    }

    static boolean isProgress(String current, String next) {
        if (TrainingStatus.isTerminal(current)) {
            return false;
        }
        if (TrainingStatus.REJECTED.equals(next)) {
            return TrainingStatus.CLAIMED.equals(current);
        }
        if (TrainingStatus.UNKNOWN_OUTCOME.equals(next)) {
            return TrainingStatus.SUBMITTING.equals(current);
        }
        boolean known = TrainingStatus.isTerminal(next) || TrainingStatus.isTrainingStep(next)
                || TrainingStatus.SUBMITTING.equals(next);
        return known && TrainingStatus.rank(next) > TrainingStatus.rank(current);
    }

    private static String activeKey(String source, String setName) {
        return source + ":" + setName;
    }

    private String newToken() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static boolean isUniqueViolation(SQLException e) {
        // 23505 is unique_violation in both H2 and PostgreSQL
        return "23505".equals(e.getSQLState());
    }

    private void update(String jobId, String sql, Object... parameters) {
        Sql.update(dataSource, "job " + jobId, sql, parameters);
    }

    private List<Job> queryJobs(String sql, Object... parameters) {
        List<Job> jobs = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement q = c.prepareStatement(sql)) {
            Sql.bind(q, parameters);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    jobs.add(new Job(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getInt(9),
                            rs.getString(10), rs.getString(11), instant(rs.getTimestamp(12)),
                            instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)), rs.getString(15),
                            rs.getString(16), instant(rs.getTimestamp(17)), warnings(rs.getString(18))));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read jobs", e);
        }
        return jobs;
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
