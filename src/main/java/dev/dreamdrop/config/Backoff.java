package dev.dreamdrop.config;

import java.time.Duration;

/** Exponential backoff: {@code initial}, doubled after each failed attempt, never longer than {@code max}. */
public record Backoff(Duration initial, Duration max) {

    /** The wait after {@code attempts} failed attempts (1-based). */
    public Duration after(int attempts) {
        Duration delay = initial.multipliedBy(1L << Math.min(Math.max(attempts, 1) - 1, 20));
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
