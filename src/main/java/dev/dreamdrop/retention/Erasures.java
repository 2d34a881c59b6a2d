package dev.dreamdrop.retention;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.config.Backoff;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The erasures of jobs (table erasures): asked for by an operator (scope {@value #EVERYTHING}) or due at the end of
 * the results' retention (scope {@value #RESULTS}), worked step by step by routes/erase.camel.yaml. Each step is
 * recorded as it is done, with what it deleted, so a crash, a restart or another replica carries on where the work
 * stopped and never repeats a step done. A step that keeps failing (the training API refusing to delete the model)
 * is retried with backoff, then parked for an operator, who asks again to retry. Once done, the row is the job's
 * tombstone.
 */
public class Erasures {

    public static final String EVERYTHING = "everything";
    public static final String RESULTS = "results";
    /** The steps of an erasure of everything, in the order they are done; a results erasure has the fifth only. */
    public static final List<String> STEPS = List.of("cancel", "delete_model", "delete_uploads", "delete_photos",
            "delete_results", "forget_details");

    private static final Logger LOG = LoggerFactory.getLogger(Erasures.class);
    /** Longer than one run of the steps can take; a dead replica's reservation lapses with its heartbeat. */
    private static final Duration RESERVATION = Duration.ofMinutes(5);
    private static final String TABLE = "erasures";

    private final DataSource dataSource;
    private final Journal journal;
    private final Reservations reservations;
    private final ToIntFunction<String> undeletedUploads;
    private final int maxAttempts;
    private final Backoff backoff;

    /** @param undeletedUploads how many of a job's photos are still on the training API's storage */
    public Erasures(DataSource dataSource, Journal journal, Reservations reservations,
                    ToIntFunction<String> undeletedUploads, int maxAttempts, Backoff backoff) {
        this.dataSource = dataSource;
        this.journal = journal;
        this.reservations = reservations;
        this.undeletedUploads = undeletedUploads;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    /** An erasure as an operator sees it: where it stands and what it deleted. */
    public record State(String scope, String state, List<String> stepsDone, int attempts, String lastError,
                        List<String> deleted, Instant requestedAt, Instant doneAt) {

        public boolean isDone() {
            return "done".equals(state);
        }

        public ObjectNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode().put("scope", scope).put("state", state)
                    .put("attempts", attempts).put("last_error", lastError)
                    .put("requested", requestedAt.toString()).put("done", doneAt == null ? null : doneAt.toString());
            stepsDone.forEach(node.putArray("steps_done")::add);
            deleted.forEach(node.putArray("deleted")::add);
            return node;
        }
    }

    /**
     * Asks for the job's erasure: a new one is due at once; a parked one is due again with a fresh count of
     * attempts; one of the results alone (their retention ended) is widened to everything; one underway or done is
     * left as it is. Returns where it stands.
     */
    public State request(String jobId, String scope) {
        Instant now = Instant.now();
        Optional<State> existing = of(jobId);
        if (EVERYTHING.equals(scope) && existing.filter(e -> RESULTS.equals(e.scope())).isPresent()) {
            Sql.update(dataSource, "the erasure of job " + jobId, "UPDATE erasures SET scope = ?, state = 'pending',"
                    + " attempts = 0, next_attempt_at = ?, done_at = NULL WHERE job_id = ? AND scope = ?", EVERYTHING,
                    Timestamp.from(now), jobId, RESULTS);
        } else if (existing.isEmpty()) {
            try {
                Sql.update(dataSource, "the erasure of job " + jobId, "INSERT INTO erasures (job_id, scope, state,"
                        + " next_attempt_at, requested_at) VALUES (?, ?, 'pending', ?, ?)", jobId, scope,
                        Timestamp.from(now), Timestamp.from(now));
            } catch (JournalException e) {
                // asked for twice at the same moment (another replica): one row is enough
                LOG.debug("Erasure of job {} asked for twice at once", jobId);
            }
        } else if (Sql.update(dataSource, "the erasure of job " + jobId, "UPDATE erasures SET state = 'pending',"
                + " attempts = 0, next_attempt_at = ?, reserved_by = NULL WHERE job_id = ? AND state = 'parked'",
                Timestamp.from(now), jobId) == 1) {
            LOG.info("Parked erasure of job {} retried by an operator", jobId);
        }
        return of(jobId).orElseThrow();
    }

    /**
     * Asks for the erasure of the results of jobs whose training ended before {@code endedBefore}, a batch at a time;
     * jobs with an erasure already are left alone. Returns how many were asked for.
     */
    public int requestResultsEndedBefore(Instant endedBefore) {
        Instant now = Instant.now();
        try {
            List<Object> parameters = new ArrayList<>(List.of(RESULTS, Timestamp.from(now), Timestamp.from(now)));
            parameters.addAll(TrainingStatus.ENDED);
            parameters.add(Timestamp.from(endedBefore));
            return Sql.update(dataSource, "the erasures of results past their retention", "INSERT INTO erasures"
                    + " (job_id, scope, state, next_attempt_at, requested_at) SELECT j.id, ?, 'pending', ?, ? FROM jobs j"
                    + " WHERE j.status IN (" + Sql.placeholders(TrainingStatus.ENDED.size()) + ") AND j.updated_at < ?"
                    + " AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.job_id = j.id) ORDER BY j.updated_at"
                    + " FETCH FIRST 100 ROWS ONLY", parameters.toArray());
        } catch (JournalException e) {
            // another replica asked for some of the same at the same moment: the next run takes the rest
            LOG.debug("Results past their retention asked for by two replicas at once", e);
            return 0;
        }
    }

    /** Whether the job's erasure was asked for (underway, parked or done): its results are no longer written. */
    public boolean begun(String jobId) {
        return of(jobId).isPresent();
    }

    public Optional<State> of(String jobId) {
        return Optional.ofNullable(ofJobs(List.of(jobId)).get(jobId));
    }

    /** The erasures of several jobs (a page of the operator's view), in one query: job id to its erasure. */
    public Map<String, State> ofJobs(List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        Map<String, State> byJob = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT job_id, scope, state, steps_done, attempts, last_error,"
                     + " deleted, requested_at, done_at FROM erasures WHERE job_id IN ("
                     + Sql.placeholders(jobIds.size()) + ")")) {
            Sql.bind(q, jobIds.toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Timestamp done = rs.getTimestamp(9);
                    byJob.put(rs.getString(1), new State(rs.getString(2), rs.getString(3), split(rs.getString(4), ","),
                            rs.getInt(5), rs.getString(6), split(rs.getString(7), "\n"),
                            rs.getTimestamp(8).toInstant(), done == null ? null : done.toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the erasures of jobs " + jobIds, e);
        }
        return byJob;
    }

    /** At start-up: erasures an earlier run of this instance was working on when it stopped are due again now. */
    public void releaseOwnReservations() {
        int released = reservations.releaseOwn(dataSource, TABLE);
        if (released > 0) {
            LOG.info("{} erasure(s) this instance was working on when it stopped are due again", released);
        }
    }

    /** The erasures due now, each reserved for this instance, with the steps each still needs. */
    public List<Erasure> due() {
        Instant now = Instant.now();
        List<String> jobIds = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT e.job_id FROM erasures e WHERE " + Reservations.due("e")
                     + " ORDER BY e.requested_at FETCH FIRST 20 ROWS ONLY")) {
            Sql.bind(q, reservations.dueParameters(now).toArray());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    jobIds.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new JournalException("cannot read the erasures", e);
        }
        List<Erasure> due = new ArrayList<>();
        for (String jobId : jobIds) {
            List<Object> parameters = new ArrayList<>(List.of(Timestamp.from(now.plus(RESERVATION)),
                    reservations.instanceId(), jobId));
            parameters.addAll(reservations.dueParameters(now));
            if (Sql.update(dataSource, "the erasure of job " + jobId, "UPDATE erasures e SET next_attempt_at = ?,"
                    + " reserved_by = ? WHERE e.job_id = ? AND " + Reservations.due("e"), parameters.toArray()) == 1) {
                due.add(erasure(jobId));
            }
        }
        return due;
    }

    /** The steps the job still needs: those of its scope not done yet, less those that do not apply to it. */
    private Erasure erasure(String jobId) {
        State state = of(jobId).orElseThrow();
        Job job = journal.find(jobId).orElseThrow();
        List<String> todo = new ArrayList<>();
        for (String step : STEPS) {
            boolean inScope = EVERYTHING.equals(state.scope()) || step.equals("delete_results");
            boolean applies = switch (step) {
                case "cancel" -> job.trainingId() != null && !TrainingStatus.isTerminal(job.status());
                case "delete_model" -> job.trainingId() != null;
                case "delete_uploads" -> undeletedUploads.applyAsInt(jobId) > 0;
                default -> true;
            };
            if (inScope && applies && !state.stepsDone().contains(step)) {
                todo.add(step);
            }
        }
        return new Erasure(jobId, state.scope(), job.trainingId(), List.copyOf(todo), state.attempts());
    }

    /** A step is done: recorded with what it deleted, so it is never done again. */
    public void stepDone(Erasure erasure, String step, String deleted) {
        Sql.update(dataSource, "the erasure of job " + erasure.jobId(), "UPDATE erasures SET steps_done = CASE WHEN"
                + " steps_done = '' THEN ? ELSE steps_done || ',' || ? END, deleted = CASE WHEN deleted = '' THEN ?"
                + " ELSE deleted || ? || ? END WHERE job_id = ?", step, step, deleted, "\n", deleted, erasure.jobId());
    }

    /** A step failed: the erasure is due again after a backoff, or parked after its last attempt. */
    public void failed(Erasure erasure, String error) {
        int attempts = erasure.attempts() + 1;
        boolean park = attempts >= maxAttempts;
        Duration wait = backoff.after(attempts);
        Sql.update(dataSource, "the erasure of job " + erasure.jobId(), "UPDATE erasures SET attempts = ?,"
                + " last_error = ?, state = ?, next_attempt_at = ?, reserved_by = NULL WHERE job_id = ?", attempts,
                error, park ? "parked" : "pending", Timestamp.from(Instant.now().plus(wait)), erasure.jobId());
        if (park) {
            LOG.warn("Erasure of job {} parked after {} attempts: {}. What is done stays done; ask again to retry"
                    + " (POST /api/jobs/{}/erase or the dashboard's Erase)", erasure.jobId(), attempts, error,
                    erasure.jobId());
        } else {
            LOG.warn("Erasure of job {} not finished (attempt {}): {}; trying again in {} s", erasure.jobId(), attempts,
                    error, wait.toSeconds());
        }
    }

    /** Every step is done: the row stays as the job's tombstone. */
    public State done(Erasure erasure) {
        Sql.update(dataSource, "the erasure of job " + erasure.jobId(), "UPDATE erasures SET state = 'done', done_at = ?,"
                + " last_error = NULL, reserved_by = NULL WHERE job_id = ?", Timestamp.from(Instant.now()),
                erasure.jobId());
        return of(erasure.jobId()).orElseThrow();
    }

    /** How many erasures are in each state: pending (underway), parked, done. */
    public Map<String, Long> countByState() {
        return Sql.countByState(dataSource, TABLE);
    }

    private static List<String> split(String joined, String separator) {
        return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split(separator));
    }
}
