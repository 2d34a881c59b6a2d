package dev.dreamdrop.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calls the training API and judges each answer the way training-api.md says: by the body's {@code status}
 * (errors come with HTTP 200), reading {@code messege} before {@code message}, telling permanent errors from
 * transient ones, and telling "not sent" (safe to retry) from "sent, no answer" (unknown outcome).
 *
 * <p>The key travels in the JSON body; this class never logs bodies.
 */
public class TrainingApiClient {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;
    private final String apiKey;
    private final Duration requestTimeout;
    private final MeterRegistry metrics;

    public TrainingApiClient(String baseUrl, String apiKey, Duration connectTimeout, Duration requestTimeout,
                             MeterRegistry metrics) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.apiKey = apiKey;
        this.requestTimeout = requestTimeout;
        this.metrics = metrics;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** POSTs {@code fields} plus the key to {@code path} (e.g. {@code /api/v3/fine_tune}), once. */
    public ApiResult call(String path, ObjectNode fields) {
        long start = System.nanoTime();
        ApiResult result = send(path, fields);
        Timer.builder("dreamdrop.api.calls").tag("endpoint", endpointOf(path))
                .tag("outcome", result.outcome().name().toLowerCase(Locale.ROOT))
                .description("Calls of the training API").register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return result;
    }

    private ApiResult send(String path, ObjectNode fields) {
        ObjectNode body = json.createObjectNode().put("key", apiKey);
        body.setAll(fields);
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            return new ApiResult(ApiResult.Outcome.TRANSIENT, -1, null,
                    "cannot connect to the training API at " + baseUrl + " (" + e.getClass().getSimpleName() + ")",
                    null);
        } catch (IOException e) {
            return new ApiResult(ApiResult.Outcome.UNKNOWN_OUTCOME, -1, null,
                    "the request was sent but no answer came (" + e.getClass().getSimpleName()
                            + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ApiResult(ApiResult.Outcome.UNKNOWN_OUTCOME, -1, null, "interrupted while waiting", null);
        }
        return judge(response.statusCode(), response.body(),
                response.headers().firstValue("Retry-After").orElse(null));
    }

    /** The endpoint's name without the training id, so that the metric has a handful of values. */
    static String endpointOf(String path) {
        String name = path.replaceFirst("^/api/(sandbox/)?v3/", "");
        for (String withId : List.of("fine_tune_status/", "finetune/delete/", "cancle_training/", "cancel_training/")) {
            if (name.startsWith(withId)) {
                return withId.substring(0, withId.length() - 1);
            }
        }
        return name;
    }

    /**
     * {@code fine_tune_status/{id}}, asked where the training was submitted: a training of the vendor's sandbox
     * is known only to the sandbox's status endpoint.
     *
     * @param submittedTo the path the training request went to (null for jobs journalled before it was kept)
     */
    public ApiResult trainingStatus(String trainingId, String submittedTo) {
        String prefix = submittedTo != null && submittedTo.startsWith("/api/sandbox/") ? "/api/sandbox/v3/" : "/api/v3/";
        return call(prefix + "fine_tune_status/" + trainingId, json.createObjectNode());
    }

    ApiResult judge(int httpStatus, String text, String retryAfterHeader) {
        JsonNode body;
        try {
            body = json.readTree(text);
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
