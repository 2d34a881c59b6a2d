package dev.dreamdrop.samples;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.config.Settings;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sample images of each job (table samples): planned with the training request, then worked like an outbox once
 * the model is ready. The generation request is journalled (state {@code asking}) before text2img is called and the
 * vendor's id as it answers, so a generation that may have been ordered is never ordered again: an {@code asking}
 * left by a crash is given up, not repeated. At most {@code concurrency} generations are in flight across every
 * replica: each holds one of the slots 1..concurrency, and the database refuses a slot held twice.
 */
public class SampleStore {

    private static final Logger LOG = LoggerFactory.getLogger(SampleStore.class);
    /** Longer than one call or download can take; a dead replica's reservation lapses with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(2);
    /** The folder of a job's results that holds its samples. */
    public static final String FOLDER = "samples";
    static final String UNSETTLED = "'planned', 'asking', 'processing', 'downloading'";
    static final String LOST = "the generation was requested, and DreamDrop stopped before the answer came; it is not"
            + " requested again, so as not to pay for it twice";
    private static final String COLUMNS = "s.id, s.job_id, j.set_name, j.training_id, s.ordinal, s.prompt,"
            + " s.negative_prompt, s.seed, s.kind, s.lora_base_model, s.state, s.generation_id, s.output_links,"
            + " s.file_name, s.error, s.attempts";

    private final DataSource dataSource;
    private final Reservations reservations;
    private final int concurrency;

    public SampleStore(DataSource dataSource, Reservations reservations, int concurrency) {
        this.dataSource = dataSource;
        this.reservations = reservations;
        this.concurrency = concurrency;
    }

    /** A sample as planned with the training request. */
    public record Planned(int ordinal, String prompt, String negativePrompt, long seed, String kind,
                          String loraBaseModel) {
    }

    /** Journals a job's samples; planning a job again (its submission begun anew) keeps the first plan. */
    public void plan(String jobId, List<Planned> samples) {
        Timestamp now = Timestamp.from(Instant.now());
        for (Planned sample : samples) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement insert = c.prepareStatement("INSERT INTO samples (job_id, ordinal, prompt,"
                         + " negative_prompt, seed, kind, lora_base_model, state, next_attempt_at, created_at)"
                         + " VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?)")) {
                Sql.bind(insert, jobId, sample.ordinal(), sample.prompt(), sample.negativePrompt(), sample.seed(),
                        sample.kind(), sample.loraBaseModel(), now, now);
                insert.executeUpdate();
            } catch (SQLException e) {
                if (!"23505".equals(e.getSQLState())) {
                    throw new JournalException("cannot plan the samples of job " + jobId, e);
                }
            }
        }
    }

    /**
     * The SQL condition, over a row with the job id in {@code jobIdColumn} and its status in {@code statusColumn},
     * that a model_ready email may go out: none of its job's samples is still on its way.
     */
    public static String noSamplesOnTheirWay(String jobIdColumn, String statusColumn) {
        return "NOT (" + statusColumn + " = '" + TrainingStatus.MODEL_READY + "' AND EXISTS (SELECT 1 FROM samples sw"
                + " WHERE sw.job_id = " + jobIdColumn + " AND sw.state IN (" + UNSETTLED + ")))";
    }

    /** At start-up: a request this instance was making is given up (it may have been made); the rest is due now. */
    public void releaseOwnReservations() {
        Timestamp now = Timestamp.from(Instant.now());
        int lost = Sql.update(dataSource, "samples", "UPDATE samples SET state = 'failed', error = ?, slot = NULL,"
                + " reserved_by = NULL, settled_at = ? WHERE state = 'asking' AND reserved_by = ?", LOST, now,
                reservations.instanceId());
        if (lost > 0) {
            LOG.warn("{} sample image(s) were being requested when DreamDrop stopped; given up: {}", lost, LOST);
        }
        Sql.update(dataSource, "samples", "UPDATE samples SET reserved_by = NULL, next_attempt_at = ? WHERE"
                + " reserved_by = ? AND state IN (" + UNSETTLED + ")", now, reservations.instanceId());
    }

    /**
     * Settles what can no longer happen: requests a dead replica was making (given up, as at a restart), the
     * samples of a model ready for longer than {@code deadline} (failed, saying what they were waiting for), and
     * the plans of trainings that ended without a model.
     */
    public void giveUpWhatCanNoLongerHappen(Duration deadline) {
        Instant now = Instant.now();
        List<Object> parameters = new ArrayList<>(List.of(LOST, Timestamp.from(now)));
        parameters.addAll(reservations.dueParameters(now).subList(1, 3));
        int lost = Sql.update(dataSource, "samples", "UPDATE samples s SET state = 'failed', error = ?, slot = NULL,"
                + " reserved_by = NULL, settled_at = ? WHERE s.state = 'asking' AND " + Reservations.heldByTheDead("s"),
                parameters.toArray());
        if (lost > 0) {
            LOG.warn("{} sample image(s) were being requested by a replica that stopped; given up: {}", lost, LOST);
        }
        String late = Settings.readable(deadline);
        int given = Sql.update(dataSource, "samples", "UPDATE samples SET error = CASE state"
                + " WHEN 'planned' THEN ? WHEN 'processing' THEN ? ELSE ? END, state = 'failed', slot = NULL,"
                + " reserved_by = NULL, settled_at = ? WHERE state IN ('planned', 'processing', 'downloading') AND"
                // from the samples on their way, each to its job: not from every ready model's job (every tick)
                + " EXISTS (SELECT 1 FROM jobs j WHERE j.id = samples.job_id AND j.status = ? AND j.updated_at < ?)",
                "not started within " + late + " of the model being ready (other generations held the queue)",
                "still being generated by the training API " + late + " after the model was ready; given up",
                "generated, but its link gave no image within " + late + " of the model being ready",
                Timestamp.from(now), TrainingStatus.MODEL_READY, Timestamp.from(now.minus(deadline)));
        if (given > 0) {
            LOG.warn("{} sample image(s) given up: not ready within {} (dreamdrop.samples.deadline)", given, late);
        }
        // a training that ended without a model has nothing to generate with: its plan is closed, unannounced
        Sql.update(dataSource, "samples", "UPDATE samples SET state = 'failed', error = ?, announced = TRUE,"
                + " settled_at = ? WHERE state = 'planned' AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = samples.job_id"
                + " AND j.status IN (?, ?, ?))",
                "the training ended without a model", Timestamp.from(now), TrainingStatus.FAILED,
                TrainingStatus.CANCELLED, TrainingStatus.TIMED_OUT);
    }

    /** Samples of ready models whose next step is due: those under way, then the planned ones in line. */
    public List<Sample> due() {
        List<Object> parameters = new ArrayList<>(List.of(TrainingStatus.MODEL_READY));
        parameters.addAll(reservations.dueParameters(Instant.now()));
        return query("SELECT " + COLUMNS + " FROM samples s JOIN jobs j ON j.id = s.job_id WHERE j.status = ? AND "
                + Reservations.dueIn("s", "'planned', 'processing', 'downloading'")
                // generations under way first: a long line of planned samples must not hide them
                + " ORDER BY CASE WHEN s.state = 'planned' THEN 1 ELSE 0 END, s.id"
                + " FETCH FIRST 50 ROWS ONLY", parameters.toArray());
    }

    /** The slots no generation holds now, lowest first. */
    public List<Integer> freeSlots() {
        Set<Integer> free = new TreeSet<>();
        for (int slot = 1; slot <= concurrency; slot++) {
            free.add(slot);
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT slot FROM samples WHERE slot IS NOT NULL");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                free.remove(rs.getInt(1));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the samples in flight", e);
        }
        return new ArrayList<>(free);
    }

    /**
     * Journals the generation request of a planned sample, in {@code slot}, reserved for this instance: from here on
     * it may be ordered, and it is never requested again. False when another replica was quicker (for the sample or
     * the slot).
     */
    public boolean startAsking(Sample sample, int slot, String requestJson) {
        Instant now = Instant.now();
        List<Object> parameters = new ArrayList<>(List.of(slot, reservations.instanceId(),
                Timestamp.from(now.plus(RESERVATION)), requestJson, sample.id()));
        parameters.addAll(reservations.dueParameters(now));
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE samples s SET state = 'asking', slot = ?,"
                     + " reserved_by = ?, next_attempt_at = ?, request_json = ? WHERE s.id = ? AND "
                     + Reservations.dueIn("s", "'planned'"))) {
            Sql.bind(update, parameters.toArray());
            return update.executeUpdate() == 1;
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
                return false;
            }
            throw new JournalException("cannot start sample " + sample.ordinal() + " of job " + sample.jobId(), e);
        }
    }

    /** Reserves a sample under way (processing or downloading) for this instance's next step. */
    public boolean reserve(Sample sample) {
        Instant now = Instant.now();
        List<Object> parameters = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                reservations.instanceId(), sample.id(), sample.state()));
        parameters.addAll(reservations.dueParameters(now));
        return Sql.update(dataSource, "sample " + sample.id(), "UPDATE samples s SET next_attempt_at = ?,"
                + " reserved_by = ? WHERE s.id = ? AND s.state = ? AND " + Reservations.dueIn("s", "'" + sample.state()
                + "'"), parameters.toArray()) == 1;
    }

    /** The vendor took the request and is generating: asked again for the result at {@code next}. */
    public void processing(Sample sample, String generationId, List<String> links, Instant next) {
        transition(sample, "state = 'processing', generation_id = ?, output_links = ?, next_attempt_at = ?,"
                + " reserved_by = NULL", generationId, joined(links), Timestamp.from(next));
    }

    /** The image is generated: its slot is free, and this instance downloads it now. */
    public Sample toDownload(Sample sample, String generationId, List<String> links) {
        transition(sample, "state = 'downloading', generation_id = ?, output_links = ?, slot = NULL, attempts = 0,"
                + " error = NULL", generationId, joined(links));
        return new Sample(sample.id(), sample.jobId(), sample.setName(), sample.trainingId(), sample.ordinal(),
                sample.prompt(), sample.negativePrompt(), sample.seed(), sample.kind(), sample.loraBaseModel(),
                Sample.DOWNLOADING, generationId, List.copyOf(links), null, null, 0);
    }

    /** The vendor certainly did not take the request (a full queue, a refused connection): planned again. */
    public void notTaken(Sample sample, Instant next, String why) {
        transition(sample, "state = 'planned', slot = NULL, reserved_by = NULL, attempts = attempts + 1, error = ?,"
                + " next_attempt_at = ?", why, Timestamp.from(next));
    }

    /** The step met a problem worth another try at {@code next} (a fetch unanswered, a link not ready yet). */
    public void tryAgainLater(Sample sample, Instant next, String why) {
        transition(sample, "reserved_by = NULL, attempts = attempts + 1, error = ?, next_attempt_at = ?", why,
                Timestamp.from(next));
    }

    public void failed(Sample sample, String why) {
        transition(sample, "state = 'failed', slot = NULL, reserved_by = NULL, error = ?, settled_at = ?", why,
                Timestamp.from(Instant.now()));
        LOG.warn("Sample {} of set {} (job {}) not generated: {}", sample.ordinal(), sample.setName(), sample.jobId(),
                why);
    }

    /** The image is in the results: {@code preview} a small JPEG of it for the email and the dashboard. */
    public void stored(Sample sample, String fileName, byte[] preview) {
        transition(sample, "state = 'stored', file_name = ?, preview = ?, error = NULL, reserved_by = NULL,"
                + " settled_at = ?", fileName, preview, Timestamp.from(Instant.now()));
        LOG.info("Sample {} of set {} (job {}) stored: {}/{}", sample.ordinal(), sample.setName(), sample.jobId(),
                FOLDER, fileName);
    }

    /** Moves a sample on from the state it was read in; nothing happens when another step moved it meanwhile. */
    private void transition(Sample sample, String assignments, Object... values) {
        Object[] parameters = Arrays.copyOf(values, values.length + 2);
        parameters[values.length] = sample.id();
        parameters[values.length + 1] = sample.state();
        Sql.update(dataSource, "sample " + sample.id(), "UPDATE samples SET " + assignments
                + " WHERE id = ? AND state = ?", parameters);
    }

    /** Jobs at model_ready whose samples have all settled and have not been announced yet. */
    public List<String> settledUnannounced() {
        List<String> jobs = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT s.job_id FROM samples s JOIN jobs j ON j.id = s.job_id"
                     + " WHERE s.announced = FALSE AND j.status = ? GROUP BY s.job_id HAVING SUM(CASE WHEN s.state IN ("
                     + UNSETTLED + ") THEN 1 ELSE 0 END) = 0")) {
            q.setString(1, TrainingStatus.MODEL_READY);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    jobs.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the samples", e);
        }
        return jobs;
    }

    public void announced(String jobId) {
        Sql.update(dataSource, "samples of job " + jobId, "UPDATE samples SET announced = TRUE WHERE job_id = ?", jobId);
    }

    /** Forgets a job's samples (an erasure): prompts, previews and all. Returns how many there were. */
    public int forget(String jobId) {
        return Sql.update(dataSource, "samples of job " + jobId, "DELETE FROM samples WHERE job_id = ?", jobId);
    }

    /** A job's samples, in order. */
    public List<Sample> ofJob(String jobId) {
        return query("SELECT " + COLUMNS + " FROM samples s JOIN jobs j ON j.id = s.job_id WHERE s.job_id = ?"
                + " ORDER BY s.ordinal", jobId);
    }

    /** The samples of several jobs (a page of the operator's view), in one query: job id to its samples, in order. */
    public Map<String, List<Sample>> ofJobs(List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        Map<String, List<Sample>> byJob = new LinkedHashMap<>();
        for (Sample sample : query("SELECT " + COLUMNS + " FROM samples s JOIN jobs j ON j.id = s.job_id WHERE"
                + " s.job_id IN (" + Sql.placeholders(jobIds.size()) + ") ORDER BY s.job_id, s.ordinal", jobIds.toArray())) {
            byJob.computeIfAbsent(sample.jobId(), id -> new ArrayList<>()).add(sample);
        }
        return byJob;
    }

    /** The samples stored for earlier jobs of a set name, which the set's own folder may still show. */
    public List<String> storedPathsOfOtherJobs(String source, String setName, String jobId) {
        List<String> paths = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT DISTINCT s.file_name FROM samples s JOIN jobs j ON"
                     + " j.id = s.job_id WHERE j.source = ? AND j.set_name = ? AND j.id <> ? AND s.state = 'stored'")) {
            Sql.bind(q, source, setName, jobId);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    paths.add(FOLDER + "/" + rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the samples of set " + setName, e);
        }
        return paths;
    }

    /** The small JPEG of a stored sample, if there is one. */
    public Optional<byte[]> preview(String jobId, int ordinal) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT preview FROM samples WHERE job_id = ? AND ordinal = ?"
                     + " AND preview IS NOT NULL")) {
            Sql.bind(q, jobId, ordinal);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the samples of job " + jobId, e);
        }
    }

    /** How many samples are in each state. */
    public Map<String, Long> countByState() {
        return Sql.countByState(dataSource, "samples");
    }

    private List<Sample> query(String sql, Object... parameters) {
        List<Sample> samples = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement q = c.prepareStatement(sql)) {
            Sql.bind(q, parameters);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    String links = rs.getString(13);
                    samples.add(new Sample(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getInt(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getString(9),
                            rs.getString(10), rs.getString(11), rs.getString(12),
                            links == null || links.isEmpty() ? List.of() : List.of(links.split("\n")),
                            rs.getString(14), rs.getString(15), rs.getInt(16)));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the samples", e);
        }
        return samples;
    }

    private static String joined(List<String> links) {
        return String.join("\n", links);
    }
}
