package dev.dreamdrop.intake;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.submit.Submission;
import dev.dreamdrop.submit.TrainingSubmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds work left half done, by an earlier run of this instance, by a replica that died, or by a failure, and
 * settles or resumes it. Each instance resumes its own work; a replica's work is taken over by one other
 * replica (a conditional update in the journal decides which) once its heartbeat is older than the lease.
 */
public class RestartRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(RestartRecovery.class);

    private final Journal journal;
    private final SetSources sources;
    private final TrainingSubmitter submitter;
    private final Duration stalledAfter;
    private final Duration lease;
    /** Jobs last touched before this instant were left by an earlier run. */
    private final Instant startedAt = Instant.now();

    public RestartRecovery(Journal journal, SetSources sources, TrainingSubmitter submitter, Duration stalledAfter,
                           Duration lease) {
        this.journal = journal;
        this.sources = sources;
        this.submitter = submitter;
        this.stalledAfter = stalledAfter;
        this.lease = lease;
    }

    /** Sets an earlier run of this instance had claimed but not yet submitted: prepared and submitted now. */
    public List<String> resumeInterruptedClaims() {
        return ownClaimedBefore(startedAt);
    }

    /**
     * Sets this instance claimed long ago and still has not submitted, because their processing failed (storage
     * unreachable, say) after its retries: they are tried again. Harmless if one is still being worked on: only
     * one submission can pass the journal's claimed-to-submitting step.
     */
    public List<String> resumeStalledClaims() {
        List<String> stalled = ownClaimedBefore(Instant.now().minus(stalledAfter));
        if (!stalled.isEmpty()) {
            LOG.warn("{} set(s) claimed more than {} s ago are not submitted yet; trying them again", stalled.size(),
                    stalledAfter.toSeconds());
        }
        return stalled;
    }

    private List<String> ownClaimedBefore(Instant instant) {
        return journal.jobsInStatus(TrainingStatus.CLAIMED).stream()
                .filter(job -> journal.instanceId().equals(job.owner()) && job.updatedAt().isBefore(instant))
                .map(Job::id)
                .toList();
    }

    /** Submissions an earlier run of this instance left under way: see {@link #settle}. */
    public List<Submission> settleInterruptedSubmissions() {
        List<Submission> toSend = new ArrayList<>();
        for (Job job : journal.jobsInStatus(TrainingStatus.SUBMITTING)) {
            if (journal.instanceId().equals(job.owner()) && job.updatedAt().isBefore(startedAt)) {
                settle(job, "DreamDrop stopped").ifPresent(toSend::add);
            }
        }
        return toSend;
    }

    /** Submissions that a dead replica left under way, taken over by this instance: see {@link #settle}. */
    public List<Submission> settleOrphanedSubmissions() {
        List<Submission> toSend = new ArrayList<>();
        for (Job job : orphans(TrainingStatus.SUBMITTING)) {
            settle(job, "replica " + job.owner() + " stopped").ifPresent(toSend::add);
        }
        return toSend;
    }

    /** Sets that a dead replica had claimed, taken over by this instance: prepared and submitted here. */
    public List<String> resumeOrphanedClaims() {
        return orphans(TrainingStatus.CLAIMED).stream().map(Job::id).toList();
    }

    private List<Job> orphans(String status) {
        List<Job> taken = new ArrayList<>();
        for (Job orphan : journal.orphanedJobs(lease)) {
            if (orphan.status().equals(status) && journal.takeOver(orphan)) {
                LOG.warn("Set {} (job {}, {}) was left by replica {}, silent for more than {} s; taken over by {}",
                        orphan.setName(), orphan.id(), orphan.status(), orphan.owner(), lease.toSeconds(),
                        journal.instanceId());
                taken.add(orphan);
            }
        }
        return taken;
    }

    /**
     * A submission cut short. If its call to the API had not begun, the API never saw it, and it is returned, to
     * be submitted again. Otherwise the API may or may not have started its training, so the job becomes
     * {@code unknown_outcome} (never resubmitted silently; its first webhook settles it) and the set is archived.
     */
    private Optional<Submission> settle(Job job, String why) {
        if (job.apiCalledAt() == null && job.requestJson() != null) {
            return Optional.of(submitter.resume(job));
        }
        sources.of(job).archive(job);
        LOG.warn("Set {} (job {}) was being submitted when {}: outcome unknown. A webhook for it settles this;"
                + " otherwise an operator decides.", job.setName(), job.id(), why);
        journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "intake", why + " while the training API"
                + " was being called; not resubmitted to avoid a second, billed training");
        return Optional.empty();
    }
}
