package dev.dreamdrop.journal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * A page of jobs as the operator view asks for it, newest first: at most {@code limit} jobs created before the
 * cursor, of the given statuses ({@code running}: every status a training has not ended in), whose set name starts
 * with {@code setPrefix}, changed {@code since}. Each filter may be absent (null, empty).
 */
public record JobQuery(List<String> statuses, boolean running, String setPrefix, Instant since, Cursor before,
                       int limit) {

    /** Where a page ends: the last job's creation time and id (ids break the ties). Opaque to callers. */
    public record Cursor(Instant createdAt, String jobId) {

        public static Cursor after(Job job) {
            return new Cursor(job.createdAt(), job.id());
        }

        public String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((createdAt + "|" + jobId).getBytes(StandardCharsets.UTF_8));
        }

        /** @throws IllegalArgumentException for anything {@link #encode} did not make */
        public static Cursor decode(String encoded) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8).split("\\|");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("not a cursor");
                }
                return new Cursor(Instant.parse(parts[0]), parts[1]);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + encoded + "' is not a cursor this API gave out", e);
            }
        }
    }
}
