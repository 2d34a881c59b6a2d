package dev.dreamdrop.sandbox;

import java.time.Instant;

/**
 * One webhook the sandbox sent (or deliberately did not send), with the answer it got:
 * {@code httpStatus} is -1 when no answer came, {@code error} says why.
 */
public record WebhookDelivery(Instant at, String trainingId, String trainingStatus, String url, String body,
                              boolean dropped, int httpStatus, String error) {
}
