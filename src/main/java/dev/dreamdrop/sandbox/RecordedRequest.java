package dev.dreamdrop.sandbox;

import java.time.Instant;

/** One HTTP request the sandbox received, as it arrived. */
public record RecordedRequest(Instant at, String method, String path, String body) {
}
