package dev.dreamdrop.poll;

import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingApi;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The backstop for webhooks that never come: a training with no news for {@code quietAfter} is asked about
 * with {@code fine_tune_status}, and its answer goes the same way as a webhook (journal first, no regressions,
 * duplicates recorded but not acted on). A training with no end status by {@code deadline} after it was
 * received becomes {@code timed_out}.
 */
public class StatusPoller {

    private static final Logger LOG = LoggerFactory.getLogger(StatusPoller.class);
    private static final int MAX_DETAIL = 500;

    private final Journal journal;
    private final TrainingApi api;
    private final Duration quietAfter;
    private final Duration deadline;

    public StatusPoller(Journal journal, TrainingApi api, Duration quietAfter, Duration deadline) {
        this.journal = journal;
        this.api = api;
        this.quietAfter = quietAfter;
        this.deadline = deadline;
    }

    /** Polls every quiet training; returns what the API said, as journalled. */
    public List<StatusChange> pollQuietTrainings() {
        List<StatusChange> changes = new ArrayList<>();
        Instant quietSince = Instant.now().minus(quietAfter);
        for (Job job : journal.unfinishedTrainings()) {
            if (job.trainingId() == null || job.updatedAt().isAfter(quietSince)
                    || !journal.reservePoll(job.id(), quietAfter)) {
                // no news expected yet, or another replica just asked
                continue;
            }
            ApiResult result = api.trainingStatus(job.trainingId(), job.endpoint());
            String status = result.reportedTrainingStatus();
            if (status == null) {
                LOG.info("Status of set {} (training {}) could not be polled: {}", job.setName(), job.trainingId(),
                        result.message());
                continue;
            }
            StatusChange change = journal.record(job.id(), status, "poll", lastLine(result));
            if (change.applied()) {
                LOG.info("Set {} (job {}, training {}): {} (polled)", job.setName(), job.id(), job.trainingId(), status);
            }
            changes.add(change);
        }
        return changes;
    }

    /** Ends every training that had no end status by the deadline. */
    public List<StatusChange> expireOverdueTrainings() {
        List<StatusChange> changes = new ArrayList<>();
        Instant cutoff = Instant.now().minus(deadline);
        for (Job job : journal.unfinishedTrainings()) {
            if (job.createdAt().isBefore(cutoff)) {
                LOG.warn("Set {} (job {}, training {}) has no end status after {}: timed out", job.setName(),
                        job.id(), job.trainingId(), deadline);
                changes.add(journal.fail(job.id(), TrainingStatus.TIMED_OUT, "poll", "no end status within "
                        + readable(deadline) + " (dreamdrop.poll.deadline); the last status was " + job.status()));
            }
        }
        return changes;
    }

    private static String readable(Duration duration) {
        if (duration.toSeconds() % 3600 == 0) {
            return duration.toHours() + " h";
        }
        return duration.toSeconds() % 60 == 0 ? duration.toMinutes() + " min" : duration.toSeconds() + " s";
    }

    /** The newest line of the API's growing log, which joins lines with " /n " or real newlines. */
    private static String lastLine(ApiResult result) {
        String data = result.body() == null ? "" : result.body().path("data").asText("");
        String[] lines = data.split(" /n |\\n");
        String last = lines.length == 0 ? "" : lines[lines.length - 1].trim();
        return last.length() > MAX_DETAIL ? last.substring(0, MAX_DETAIL) : last;
    }
}
