package dev.dreamdrop.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What only DreamDrop knows about a call of the training API, for the route that makes it
 * (routes/training-api.camel.yaml): the body with the key, and the judgement of the answer the way
 * training-api.md says: by the body's {@code status} (errors come with HTTP 200), reading {@code messege} before
 * {@code message}, telling permanent errors from transient ones, and telling "not sent" (safe to retry) from "sent,
 * no answer" (unknown outcome).
 *
 * <p>The key is only in the body this class makes for the HTTP step; nothing here logs a body.
 */
public class TrainingApiAnswers {

    private final ObjectMapper json = new ObjectMapper();
    private final String apiKey;
    private final String baseUrl;
    private final MeterRegistry metrics;

    public TrainingApiAnswers(String apiKey, String baseUrl, MeterRegistry metrics) {
        this.apiKey = apiKey;
        this.baseUrl = baseUrl;
        this.metrics = metrics;
    }

    /** When the call began, for its timer. */
    public long clock() {
        return System.nanoTime();
    }

    /** The JSON body of the POST: the key, then the request's fields. */
    public ObjectNode body(ApiRequest request) {
        ObjectNode body = json.createObjectNode().put("key", apiKey);
        body.setAll(request.fields());
        return body;
    }

    /** The HTTP client could not connect (refused, no route, unknown host, connect or pool timeout). */
    public ApiResult notSent(Exception e) {
        return new ApiResult(ApiResult.Outcome.TRANSIENT, -1, null,
                "cannot connect to the training API at " + baseUrl + " (" + e.getClass().getSimpleName() + ")", null);
    }

    /** The request may have reached the API, and no answer came (read timeout, connection closed or reset...). */
    public ApiResult noAnswer(Exception e) {
        return new ApiResult(ApiResult.Outcome.UNKNOWN_OUTCOME, -1, null,
                "the request was sent but no answer came (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")", null);
    }

    /** Counts and times the call under its endpoint and outcome ({@code dreamdrop_api_calls_seconds}). */
    public ApiResult measured(ApiResult result, String path, long startedNanos) {
        Timer.builder("dreamdrop.api.calls").tag("endpoint", endpointOf(path))
                .tag("outcome", result.outcome().name().toLowerCase(Locale.ROOT))
                .description("Calls of the training API").register(metrics)
                .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        return result;
    }

    /** The endpoint's name without the training id, so that the metric has a handful of values. */
    static String endpointOf(String path) {
        String name = path.replaceFirst("^/api/(sandbox/)?v\\d+/", "");
        for (String withId : List.of("fine_tune_status/", "finetune/delete/", "cancle_training/", "cancel_training/")) {
            if (name.startsWith(withId)) {
                return withId.substring(0, withId.length() - 1);
            }
        }
        return name;
    }

    /** Judges an answer by its HTTP code, its body and its Retry-After header (which may be absent). */
    public ApiResult judge(int httpStatus, String text, String retryAfterHeader) {
        JsonNode body;
        try {
            body = text == null ? null : json.readTree(text);
        } catch (IOException e) {
            body = null;
        }
        Duration retryAfter = retryAfter(body, retryAfterHeader);
        if (body == null || !body.isObject()) {
            if (httpStatus == 429 || httpStatus >= 500) {
                return new ApiResult(ApiResult.Outcome.TRANSIENT, httpStatus, null, "HTTP " + httpStatus, retryAfter);
            }
            if (httpStatus >= 400) {
                return new ApiResult(ApiResult.Outcome.PERMANENT, httpStatus, null, "HTTP " + httpStatus, null);
            }
            return new ApiResult(ApiResult.Outcome.UNKNOWN_OUTCOME, httpStatus, null,
                    "the API answered HTTP " + httpStatus + " with a body that is not JSON", null);
        }
        String status = body.path("status").asText("").toLowerCase(Locale.ROOT);
        String message = message(body);
        if (status.equals("success") && httpStatus < 400) {
            return new ApiResult(ApiResult.Outcome.SUCCESS, httpStatus, body, message, null);
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (httpStatus == 429 || httpStatus >= 500 || retryAfter != null || lower.contains("rate limit")
                || body.has("tips") && body.get("tips").asText().contains("spam filter")) {
            return new ApiResult(ApiResult.Outcome.TRANSIENT, httpStatus, body, message, retryAfter);
        }
        if (status.equals("failed") && lower.contains("try again")) {
            return new ApiResult(ApiResult.Outcome.FAILED_TRY_AGAIN, httpStatus, body, message, null);
        }
        return new ApiResult(ApiResult.Outcome.PERMANENT, httpStatus, body,
                message.isEmpty() ? "the API refused the request (HTTP " + httpStatus + ")" : message, null);
    }

    /** {@code messege}, else {@code message}; a Laravel-style map becomes "field: text; field: text". */
    static String message(JsonNode body) {
        JsonNode value = body.has("messege") ? body.get("messege") : body.path("message");
        if (value.isObject()) {
            List<String> parts = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                List<String> texts = new ArrayList<>();
                if (field.getValue().isArray()) {
                    field.getValue().forEach(t -> texts.add(t.asText()));
                } else {
                    texts.add(field.getValue().asText());
                }
                parts.add(field.getKey() + ": " + String.join(" ", texts));
            }
            return String.join("; ", parts);
        }
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }

    private static Duration retryAfter(JsonNode body, String header) {
        JsonNode value = body == null ? null : body.get("retry_after");
        String seconds = value != null && !value.isNull() ? value.asText() : header;
        if (seconds == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(seconds.trim())));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
