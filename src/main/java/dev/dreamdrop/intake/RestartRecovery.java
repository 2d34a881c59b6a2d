package dev.dreamdrop.intake;

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

/** Finds work left half done, by an earlier run of DreamDrop or by a failure, and settles or resumes it. */
public class RestartRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(RestartRecovery.class);

    private final Journal journal;
    private final SetSources sources;
    private final Duration stalledAfter;
    /** Jobs last touched before this instant were left by an earlier run. */
    private final Instant startedAt = Instant.now();

    public RestartRecovery(Journal journal, SetSources sources, Duration stalledAfter) {
        this.journal = journal;
        this.sources = sources;
        this.stalledAfter = stalledAfter;
    }

    /** Sets an earlier run had claimed but not yet submitted: they are prepared and submitted now. */
    public List<String> resumeInterruptedClaims() {
        return claimedBefore(startedAt);
    }

    /**
     * Sets claimed long ago and still not submitted, because their processing failed (storage unreachable, say)
     * after its retries: they are tried again. Harmless if one is still being worked on: only one submission
     * can pass the journal's claimed-to-submitting step.
     */
    public List<String> resumeStalledClaims() {
        List<String> stalled = claimedBefore(Instant.now().minus(stalledAfter));
        if (!stalled.isEmpty()) {
            LOG.warn("{} set(s) claimed more than {} s ago are not submitted yet; trying them again", stalled.size(),
                    stalledAfter.toSeconds());
        }
        return stalled;
    }

    private List<String> claimedBefore(Instant instant) {
        return journal.jobsInStatus(TrainingStatus.CLAIMED).stream()
                .filter(job -> job.updatedAt().isBefore(instant))
                .map(Job::id)
                .toList();
    }

    /**
     * Jobs an earlier run left in {@code submitting}: the API may or may not have started their training, so
     * they become {@code unknown_outcome} (never resubmitted silently) and their sets are archived.
     */
    public List<StatusChange> settleInterruptedSubmissions() {
        List<StatusChange> changes = new ArrayList<>();
        for (Job job : journal.jobsInStatus(TrainingStatus.SUBMITTING)) {
            if (job.updatedAt().isBefore(startedAt)) {
                sources.of(job).archive(job);
                LOG.warn("Set {} (job {}) was being submitted when DreamDrop stopped: outcome unknown."
                        + " A webhook for it settles this; otherwise an operator decides.", job.setName(), job.id());
                changes.add(journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "intake",
                        "DreamDrop stopped while the training API was being called; not resubmitted to avoid"
                                + " a second, billed training"));
            }
        }
        return changes;
    }
}
