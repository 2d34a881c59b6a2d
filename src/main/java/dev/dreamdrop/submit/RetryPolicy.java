package dev.dreamdrop.submit;

import dev.dreamdrop.config.Backoff;

import java.time.Duration;

/**
 * How often and how patiently a transient failure of the training API is retried: exponential backoff from
 * {@code initialDelay} up to {@code maxDelay}, never shorter than what the API asked for with retry_after.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int maxFailedTryAgain) {

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed ones (1-based). */
    public Duration delayAfter(int attempt, Duration askedFor) {
        Duration backoff = new Backoff(initialDelay, maxDelay).after(attempt);
        return askedFor != null && askedFor.compareTo(backoff) > 0 ? askedFor : backoff;
    }
}
