package dev.dreamdrop.journal;

import java.time.Instant;
import java.util.List;

/**
 * One set and the training made from it, as the journal holds it.
 *
 * @param webhookToken unguessable token in the job's webhook URL
 * @param imageToken   unguessable token in the job's self-hosted image links
 * @param endpoint     the API path its training request went to
 * @param owner        the replica working on it while it is claimed or being submitted
 * @param apiCalledAt  when the call of its training request began (null: the API has not seen it)
 * @param photoWarnings what the photo check found in its photos (see {@link PhotoWarning})
 */
public record Job(String id, String source, String setName, String fingerprint, String status,
                  String trainingId, String webhookToken, String imageToken, int imageCount,
                  String requestJson, String error, Instant createdAt, Instant updatedAt, Instant submittedAt,
                  String endpoint, String owner, Instant apiCalledAt, List<PhotoWarning> photoWarnings) {
}
