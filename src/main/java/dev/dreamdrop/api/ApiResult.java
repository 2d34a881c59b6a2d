package dev.dreamdrop.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;

/**
 * One answer of the training API, judged by its body as well as its HTTP code.
 *
 * @param message    the API's own words ({@code messege}, else {@code message}), flattened to one line
 * @param retryAfter what the API asked us to wait before trying again, or null
 */
public record ApiResult(Outcome outcome, int httpStatus, JsonNode body, String message, Duration retryAfter) {

    public enum Outcome {
        /** {@code status: success}. */
        SUCCESS,
        /** Invalid key, validation errors, no credits: trying again cannot help. */
        PERMANENT,
        /** Rate limit, spam filter, 5xx, connection refused: the request did not take effect; try again later. */
        TRANSIENT,
        /** {@code Failed, Try Again}: worth a bounded number of retries. */
        FAILED_TRY_AGAIN,
        /** The request was sent and no usable answer came back: it may or may not have taken effect. */
        UNKNOWN_OUTCOME
    }

    public boolean isSuccess() {
        return outcome == Outcome.SUCCESS;
    }

    /**
     * For an answer of {@code fine_tune_status}: the status it reports ({@code messege}), {@code failed} for a
     * failed training, or null when the API could not be asked.
     */
    public String reportedTrainingStatus() {
        if (isSuccess()) {
            return message;
        }
        return body != null && "failed".equals(body.path("status").asText()) ? TrainingStatus.FAILED : null;
    }
}
