package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health and Prometheus metrics on the management port report what DreamDrop is doing. */
class ObservabilityTest {

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();
    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
    }

    @AfterEach
    void stop() {
        dreamDrop.close();
        sandbox.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertMetric(String metrics, String line) {
        String ours = metrics.lines().filter(l -> l.startsWith("dreamdrop_")).reduce("", (a, b) -> a + b + "\n");
        assertTrue(metrics.contains(line), "no '" + line + "' in:\n" + ours);
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    @Test
    void healthAndMetricsReportTheJournalTheInboxTheApiAndTheWork() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("observed", 3, "instance_prompt: photo of sks person\n");
        dreamDrop.dropSet("refused", 0, "instance_prompt: photo of sks person\n");
        dreamDrop.awaitStatus("observed", "model_ready");
        dreamDrop.awaitStatus("refused", "rejected");

        HttpResponse<String> healthResponse = get("/observe/health?data=true");
        assertEquals(200, healthResponse.statusCode(), healthResponse.body());
        JsonNode health = new ObjectMapper().readTree(healthResponse.body());
        assertEquals("UP", health.get("status").asText(), health.toString());
        for (String name : new String[] {"journal", "inbox", "training-api"}) {
            assertEquals("UP", check(health, name).get("status").asText(), name);
        }

        String metrics = get("/observe/metrics").body();
        assertMetric(metrics, "dreamdrop_sets_received_total 2.0");
        assertMetric(metrics, "dreamdrop_sets_rejected_total 1.0");
        assertMetric(metrics, "dreamdrop_sets_submitted_total 1.0");
        assertMetric(metrics, "dreamdrop_trainings{status=\"model_ready\"} 1.0");
        assertMetric(metrics, "dreamdrop_trainings{status=\"rejected\"} 1.0");
        assertTrue(metrics.contains("dreamdrop_api_calls_seconds_count{endpoint=\"fine_tune\",outcome=\"success\"} 1"),
                metrics);
        // the first webhook and the submission's answer race to report deploying_gpu: count what the journal kept
        String jobId = dreamDrop.status("observed").get("job_id").asText();
        long appliedWebhooks = dreamDrop.journal().events(jobId).stream()
                .filter(e -> e.source().equals("webhook") && e.applied()).count();
        assertTrue(appliedWebhooks >= 7, "at least training_started .. model_ready");
        assertMetric(metrics, "dreamdrop_webhook_events_total{outcome=\"applied\"} " + appliedWebhooks + ".0");
        assertMetric(metrics, "dreamdrop_emails{state=\"sent\"} 0.0");
        assertTrue(!metrics.contains(RunningDreamDrop.API_KEY));
    }

    @Test
    void aRefusedKeyMakesTheApiCheckDown() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.api.key", "sk-revoked"));
        HttpResponse<String> response = get("/observe/health?data=true");
        assertEquals(503, response.statusCode(), response.body());
        JsonNode api = check(new ObjectMapper().readTree(response.body()), "training-api");
        assertEquals("DOWN", api.get("status").asText());
        assertTrue(api.toString().contains("refuses the key: Invalid Api Key"), api.toString());
        assertTrue(!response.body().contains("sk-revoked"));
    }
}
