package dev.dreamdrop.journal;

import dev.dreamdrop.api.TrainingStatus;

import java.util.List;

/**
 * The status changes of one job that the status router takes from the outbox in one go: one render of the job's
 * results serves them all, then each applied change goes to the mail outbox.
 *
 * @param changes  oldest first
 * @param attempts how often routing them has failed so far
 */
public record RoutingBatch(String jobId, String setName, List<StatusChange> changes, int attempts) {

    /** The newest change: a render made for it holds every other. */
    public StatusChange latest() {
        return changes.get(changes.size() - 1);
    }

    /** The changes the outboxes are told of (see {@link StatusChange#isNews()}), which may each call for an email. */
    public List<StatusChange> news() {
        return changes.stream().filter(StatusChange::isNews).toList();
    }

    /** Whether the job's set was submitted with these changes (its photos prepared and its request journalled). */
    public boolean submitted() {
        return changes.stream().anyMatch(change -> change.applied() && TrainingStatus.SUBMITTING.equals(change.status()));
    }

    /** Whether the job's training ended with these changes, so that its prepared images are no longer needed. */
    public boolean trainingEnded() {
        return changes.stream().anyMatch(change -> change.applied() && TrainingStatus.isTerminal(change.status()));
    }
}
