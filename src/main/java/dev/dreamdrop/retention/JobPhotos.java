package dev.dreamdrop.retention;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.JournalException;
import dev.dreamdrop.journal.Sql;

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
import java.util.Optional;

/**
 * Where each job's original photos are kept once its set has left the inbox (table job_photos), and whether they
 * were deleted: what {@link PhotoRetention} works from. The sources say where they put a set; an operator's retry,
 * which moves it back into the inbox, says it is no longer there.
 */
public class JobPhotos {

    /** Longer than deleting one set's photos can take. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);

    private final DataSource dataSource;
    private final String instanceId;

    public JobPhotos(DataSource dataSource, String instanceId) {
        this.dataSource = dataSource;
        this.instanceId = instanceId;
    }

    /** The job's set is now at {@code location} (a folder path, or a bucket prefix). */
    public void at(String jobId, String location) {
        if (Sql.update(dataSource, "the photos of job " + jobId, "UPDATE job_photos SET location = ? WHERE job_id = ?",
                location, jobId) == 0) {
            try {
                Sql.update(dataSource, "the photos of job " + jobId, "INSERT INTO job_photos (job_id, location)"
                        + " VALUES (?, ?)", jobId, location);
            } catch (JournalException e) {
                // another replica recorded it at the same moment: the place is the same
                Sql.update(dataSource, "the photos of job " + jobId, "UPDATE job_photos SET location = ? WHERE"
                        + " job_id = ?", location, jobId);
            }
        }
    }

    /** The job's set went back into the inbox (an operator's retry): the photos belong to the job it becomes. */
    public void gone(String jobId) {
        Sql.update(dataSource, "the photos of job " + jobId, "UPDATE job_photos SET location = NULL WHERE job_id = ?",
                jobId);
    }

    /** Where the job's set was put (its photos may be deleted since, its manifest not), unless back in the inbox. */
    public Optional<String> location(String jobId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT location FROM job_photos WHERE job_id = ?")) {
            q.setString(1, jobId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read where the photos of job " + jobId + " are", e);
        }
    }

    /** The photos of a job whose training ended, and where they are. */
    public record Kept(String jobId, String location) {
    }

    /**
     * The photos of jobs that ended (any final status) longer than {@code retention} ago and are still kept, each
     * reserved for this instance.
     */
    public List<Kept> due(Duration retention) {
        Instant now = Instant.now();
        List<Kept> due = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT p.job_id, p.location FROM job_photos p JOIN jobs j ON"
                     + " j.id = p.job_id WHERE p.deleted_at IS NULL AND j.status IN ("
                     + Sql.placeholders(TrainingStatus.ENDED.size()) + ") AND j.updated_at < ?"
                     + " AND (p.reserved_until IS NULL OR p.reserved_until < ?) ORDER BY j.updated_at"
                     + " FETCH FIRST 50 ROWS ONLY")) {
            List<Object> parameters = new ArrayList<>(TrainingStatus.ENDED);
            parameters.addAll(List.of(Timestamp.from(now.minus(retention)), Timestamp.from(now)));
            Sql.bind(q, parameters.toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    due.add(new Kept(rs.getString(1), rs.getString(2)));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the kept photos", e);
        }
        return due.stream().filter(kept -> Sql.update(dataSource, "the photos of job " + kept.jobId(), "UPDATE"
                + " job_photos SET reserved_by = ?, reserved_until = ? WHERE job_id = ? AND deleted_at IS NULL AND"
                + " (reserved_until IS NULL OR reserved_until < ?)", instanceId, Timestamp.from(now.plus(RESERVATION)),
                kept.jobId(), Timestamp.from(now)) == 1).toList();
    }

    /** This instance's reservation ends: the photos are due to whoever looks next. */
    public void release(String jobId) {
        Sql.update(dataSource, "the photos of job " + jobId, "UPDATE job_photos SET reserved_by = NULL,"
                + " reserved_until = NULL WHERE job_id = ? AND reserved_by = ?", jobId, instanceId);
    }

    public void deleted(String jobId) {
        Sql.update(dataSource, "the photos of job " + jobId, "UPDATE job_photos SET deleted_at = ?, reserved_by = NULL,"
                + " reserved_until = NULL WHERE job_id = ?", Timestamp.from(Instant.now()), jobId);
    }
}
