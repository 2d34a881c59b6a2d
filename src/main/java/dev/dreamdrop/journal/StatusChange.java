package dev.dreamdrop.journal;

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

    StatusChange withEventId(long id) {
        return new StatusChange(jobId, setName, status, source, detail, applied, previous, at, id);
    }
}
