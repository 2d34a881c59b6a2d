package dev.dreamdrop.journal;

import dev.dreamdrop.api.TrainingStatus;

import java.time.Instant;

/**
 * A status event for a job as the journal recorded it.
 *
 * @param source   where it came from: {@code intake}, {@code submit}, {@code webhook}, {@code poll}, {@code operator}
 * @param detail   the API's log text or DreamDrop's reason, never secrets
 * @param applied  whether it moved the job forward; duplicates and regressions are recorded but not applied
 * @param previous the job's status before this event
 * @param eventId  the event's place in the journal: later events have larger ids
 */
public record StatusChange(String jobId, String setName, String status, String source, String detail,
                           boolean applied, String previous, Instant at, long eventId) {

    /**
     * Whether the mail and event outboxes are told: it moved the job forward, or it is DreamDrop's own news of the
     * job (its samples settled, it was erased). A webhook naming such a status is not news: its source is the webhook.
     */
    public boolean isNews() {
        return applied || TrainingStatus.isOwnNews(status, source);
    }

    StatusChange withEventId(long id) {
        return new StatusChange(jobId, setName, status, source, detail, applied, previous, at, id);
    }
}
