package dev.dreamdrop.vendor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.config.Backoff;
import dev.dreamdrop.journal.JournalException;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.journal.Sql;
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
import java.util.Map;
import java.util.TreeMap;

/**
 * The photos of each job that are on the training API's storage (table vendor_uploads): journalled as each upload
 * is answered, so the training request is built from them and no retry, restart or replica uploads a photo twice;
 * then, once the job has ended, an outbox of {@code delete_image} calls. A refused delete is retried with backoff,
 * across restarts, and parked after the last attempt until an operator retries it: photos of a person never stay on
 * the vendor's storage unnoticed.
 */
public class VendorUploads {

    private static final Logger LOG = LoggerFactory.getLogger(VendorUploads.class);
    /** Longer than one delete call can take; a dead replica's reservation lapses with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);
    private static final String TABLE = "vendor_uploads";

    private final DataSource dataSource;
    private final Reservations reservations;
    private final int maxAttempts;
    private final Backoff backoff;
    private final ObjectMapper json = new ObjectMapper();

    public VendorUploads(DataSource dataSource, Reservations reservations, int maxAttempts, Backoff backoff) {
        this.dataSource = dataSource;
        this.reservations = reservations;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    /** One photo on the vendor's storage: its link, and the id its deletion needs. */
    public record Upload(long id, String jobId, int photo, String link, String requestId, int attempts) {
    }

    /**
     * Journals an upload the API answered. Should two attempts upload the same photo at once (a replica taken for
     * dead while it was only slow), both are kept: the training uses the first, and both are deleted with the job's.
     */
    public void record(String jobId, int photo, String link, String requestId) {
        Instant now = Instant.now();
        Sql.update(dataSource, "the upload of photo " + photo + " of job " + jobId, "INSERT INTO vendor_uploads (job_id,"
                + " photo, link, request_id, state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                jobId, photo, link, requestId, Timestamp.from(now), Timestamp.from(now));
    }

    /** The links of a job's uploaded photos, by photo number. */
    public Map<Integer, String> links(String jobId) {
        Map<Integer, String> links = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT photo, link FROM vendor_uploads WHERE job_id = ?"
                     + " ORDER BY id")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    links.putIfAbsent(rs.getInt(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the uploads of job " + jobId, e);
        }
        return links;
    }

    /** At start-up: deletes an earlier run of this instance was making when it stopped are due again now. */
    public void releaseOwnReservations() {
        int released = reservations.releaseOwn(dataSource, TABLE);
        if (released > 0) {
            LOG.info("{} deletion(s) of vendor-hosted photos this instance was making when it stopped are due again",
                    released);
        }
    }

    /**
     * The uploads of ended jobs whose deletion is due, each reserved for this instance: replicas working the same
     * journal never delete one at the same time.
     */
    public List<Upload> dueForDeletion() {
        Instant now = Instant.now();
        List<Object> parameters = new ArrayList<>(TrainingStatus.ENDED);
        parameters.addAll(reservations.dueParameters(now));
        List<Upload> due = query("SELECT u.id, u.job_id, u.photo, u.link, u.request_id, u.attempts FROM vendor_uploads"
                + " u JOIN jobs j ON j.id = u.job_id WHERE j.status IN (" + Sql.placeholders(TrainingStatus.ENDED.size())
                + ") AND " + Reservations.due("u")
                + " ORDER BY u.id FETCH FIRST 50 ROWS ONLY", parameters.toArray());
        return due.stream().filter(upload -> reserve(upload.id(), now)).toList();
    }

    private boolean reserve(long id, Instant now) {
        List<Object> parameters = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                reservations.instanceId(), id));
        parameters.addAll(reservations.dueParameters(now));
        return Sql.update(dataSource, "upload " + id, "UPDATE vendor_uploads u SET next_attempt_at = ?, reserved_by = ?"
                + " WHERE u.id = ? AND " + Reservations.due("u"), parameters.toArray()) == 1;
    }

    /**
     * An erasure deletes the job's uploads now, whatever their backoff, parked ones included: each not reserved by a
     * live replica is reserved for this instance.
     */
    public List<Upload> reserveUndeletedOf(String jobId) {
        Instant now = Instant.now();
        List<Object> dead = reservations.dueParameters(now).subList(1, 3);
        String free = "u.job_id = ? AND u.state IN ('pending', 'parked') AND (u.reserved_by IS NULL OR "
                + Reservations.heldByTheDead("u") + ")";
        List<Object> parameters = new ArrayList<>(List.of(jobId));
        parameters.addAll(dead);
        List<Upload> undeleted = query("SELECT u.id, u.job_id, u.photo, u.link, u.request_id, 0 FROM vendor_uploads u"
                + " WHERE " + free + " ORDER BY u.id", parameters.toArray());
        return undeleted.stream().filter(upload -> {
            List<Object> reserve = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                    reservations.instanceId(), upload.id(), jobId));
            reserve.addAll(dead);
            return Sql.update(dataSource, "upload " + upload.id(), "UPDATE vendor_uploads u SET state = 'pending',"
                    + " attempts = 0, next_attempt_at = ?, reserved_by = ? WHERE u.id = ? AND " + free,
                    reserve.toArray()) == 1;
        }).toList();
    }

    /** How many of the job's photos are on the training API's storage still, and how many were deleted there. */
    public Map<String, Long> countOf(String jobId) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT CASE state WHEN 'deleted' THEN 'deleted' ELSE"
                     + " 'undeleted' END, COUNT(*) FROM vendor_uploads WHERE job_id = ? GROUP BY state")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    counts.merge(rs.getString(1), rs.getLong(2), Long::sum);
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot count the uploads of job " + jobId, e);
        }
        return counts;
    }

    /** What the API answered to {@code delete_image}: success deletes the row's photo; anything else is retried. */
    public void deleteAnswered(Upload upload, ApiResult result) {
        if (result.isSuccess()) {
            Sql.update(dataSource, TABLE, "UPDATE vendor_uploads SET state = 'deleted', deleted_at = ?,"
                    + " attempts = attempts + 1, reserved_by = NULL WHERE id = ?", Timestamp.from(Instant.now()),
                    upload.id());
            return;
        }
        int attempts = upload.attempts() + 1;
        boolean park = attempts >= maxAttempts;
        Duration wait = backoff.after(attempts);
        String error = result.message();
        Sql.update(dataSource, TABLE, "UPDATE vendor_uploads SET attempts = ?, last_error = ?, state = ?,"
                + " next_attempt_at = ?, reserved_by = NULL WHERE id = ?", attempts, error,
                park ? "parked" : "pending", Timestamp.from(Instant.now().plus(wait)), upload.id());
        if (park) {
            LOG.warn("Photo {} of job {} could not be deleted from the training API's storage after {} attempts ({});"
                    + " it stays there, readable by anyone with its link, until it is. Retry from the dashboard or"
                    + " with POST /api/uploads/{}/retry", upload.photo() + 1, upload.jobId(), attempts, error, upload.id());
        } else {
            LOG.warn("Photo {} of job {} not deleted from the training API's storage (attempt {}): {}; retrying in {} s",
                    upload.photo() + 1, upload.jobId(), attempts, error, wait.toSeconds());
        }
    }

    /** The uploads whose deletion was given up, oldest first, for the operator. */
    public JsonNode parked() {
        ArrayNode parked = json.createArrayNode();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT u.id, u.job_id, j.set_name, u.photo, u.request_id,"
                     + " u.attempts, u.last_error, u.created_at FROM vendor_uploads u JOIN jobs j ON j.id = u.job_id"
                     + " WHERE u.state = 'parked' ORDER BY u.id");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                parked.addObject().put("id", rs.getLong(1)).put("job_id", rs.getString(2))
                        .put("set", rs.getString(3)).put("photo", rs.getInt(4) + 1).put("request_id", rs.getString(5))
                        .put("attempts", rs.getInt(6)).put("last_error", rs.getString(7))
                        .put("uploaded", rs.getTimestamp(8).toInstant().toString());
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the vendor uploads", e);
        }
        return parked;
    }

    /** A parked deletion is due again now, with a fresh count of attempts. @return whether it was parked */
    public boolean retry(long id) {
        boolean retried = Sql.update(dataSource, TABLE, "UPDATE vendor_uploads SET state = 'pending', attempts = 0,"
                + " next_attempt_at = ?, reserved_by = NULL WHERE id = ? AND state = 'parked'",
                Timestamp.from(Instant.now()), id) == 1;
        if (retried) {
            LOG.info("Deletion of vendor-hosted photo {} retried by an operator", id);
        }
        return retried;
    }

    /** How many uploads are in each state: pending (on the vendor's storage), deleted, parked. */
    public Map<String, Long> countByState() {
        return Sql.countByState(dataSource, TABLE);
    }

    private List<Upload> query(String sql, Object... parameters) {
        List<Upload> uploads = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement q = c.prepareStatement(sql)) {
            Sql.bind(q, parameters);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    uploads.add(new Upload(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                            rs.getString(5), rs.getInt(6)));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the vendor uploads", e);
        }
        return uploads;
    }
}
