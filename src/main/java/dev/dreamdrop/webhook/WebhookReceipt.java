package dev.dreamdrop.webhook;

import dev.dreamdrop.journal.StatusChange;

/**
 * What the webhook receiver answers ({@code httpStatus}, {@code reply}) and, when the event was recorded,
 * the change to pass on to the sinks.
 */
public record WebhookReceipt(int httpStatus, String reply, StatusChange change) {

    static WebhookReceipt refused(int httpStatus, String reason) {
        return new WebhookReceipt(httpStatus, "{\"status\":\"error\",\"message\":\"" + reason + "\"}", null);
    }

    static WebhookReceipt accepted(StatusChange change) {
        return new WebhookReceipt(200, "{\"status\":\"received\"}", change);
    }
}
