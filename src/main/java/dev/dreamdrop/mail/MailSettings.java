package dev.dreamdrop.mail;

import dev.dreamdrop.config.Backoff;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The email sink's configuration ({@code dreamdrop.mail.*}). Email is off while {@code host} is empty.
 *
 * @param to       addresses that hear about every set, besides the set's own {@code notify_email}
 * @param statuses statuses that send an email unless a set's {@code notify_statuses} says otherwise
 */
public record MailSettings(String host, String from, List<String> to, List<String> statuses, int maxAttempts,
                           Duration retryInitialDelay, Duration retryMaxDelay, Path parkedDir, Path resultsDir) {

    public boolean enabled() {
        return host != null && !host.isBlank();
    }

    /** Exponential backoff after {@code attempts} failed attempts. */
    public Duration delayAfter(int attempts) {
        return new Backoff(retryInitialDelay, retryMaxDelay).after(attempts);
    }
}
