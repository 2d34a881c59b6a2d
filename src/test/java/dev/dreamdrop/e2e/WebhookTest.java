package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.sandbox.WebhookFault;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook receiver against forged, malformed, duplicated and reordered deliveries. */
class WebhookTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @AfterEach
    void stop() {
        dreamDrop.close();
        sandbox.close();
    }

    private int post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String event(String status, String modelId) {
        return "{\"status\":\"success\",\"training_status\":\"" + status + "\",\"logs\":\"test\",\"model_id\":\""
                + modelId + "\"}";
    }

    private String jobIdOf(String set) {
        return dreamDrop.status(set).get("job_id").asText();
    }

    private String statusOf(String set) {
        return dreamDrop.journal().find(jobIdOf(set)).orElseThrow().status();
    }

    @Test
    void forgedMalformedStaleAndUnknownDeliveries() throws Exception {
        // a manual clock: the sandbox's trainings stay at deploying_gpu; this test plays the API's part
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("one", 2, MANIFEST);
        dreamDrop.dropSet("two", 2, MANIFEST);
        JsonNode one = dreamDrop.awaitStatus("one", "deploying_gpu");
        JsonNode two = dreamDrop.awaitStatus("two", "deploying_gpu");
        String trainingOne = one.get("training_id").asText();
        String trainingTwo = two.get("training_id").asText();
        String webhookOne = RunningDreamDrop.readJson(dreamDrop.results("one").resolve("request.json"))
                .get("webhook").asText();

        assertEquals(404, post(dreamDrop.publicUrl() + "/webhook/0123456789abcdef", event("model_ready", trainingOne)),
                "unknown token");
        assertEquals(409, post(webhookOne, event("model_ready", trainingTwo)), "another job's training");
        assertEquals(400, post(webhookOne, event("training_started", trainingOne).replace("}", ",}")),
                "the legacy docs' trailing comma is not JSON");
        assertEquals(400, post(webhookOne, "{\"training_status\":\"training_started\"}"), "no model_id");
        assertEquals(413, post(webhookOne, event("training_started", trainingOne) + " ".repeat(100_000)),
                "body over the size limit");

        assertEquals(200, post(webhookOne, event("trained_model_uploading", trainingOne)));
        assertEquals("trained_model_uploading", statusOf("one"));
        assertEquals(200, post(webhookOne, event("training_started", trainingOne)), "late delivery acknowledged");
        assertEquals(200, post(webhookOne, event("trained_model_uploading", trainingOne)), "duplicate acknowledged");
        assertEquals(200, post(webhookOne, event("gpu_warming_up", trainingOne)), "unknown status acknowledged");
        assertEquals("trained_model_uploading", statusOf("one"), "never moved backwards or sideways");

        // an end status the API does not confirm is not believed
        assertEquals(200, post(webhookOne, event("model_ready", trainingOne)));
        assertEquals("trained_model_uploading", statusOf("one"));
        assertEquals("deploying_gpu", statusOf("two"), "the other job untouched");

        List<StatusChange> events = dreamDrop.journal().events(jobIdOf("one"));
        assertTrue(events.stream().anyMatch(e -> e.status().equals("gpu_warming_up") && !e.applied()),
                "unknown status recorded");
        assertTrue(events.stream().anyMatch(e -> e.status().equals("training_started") && !e.applied()),
                "late delivery recorded");
        assertTrue(events.stream().anyMatch(e -> e.status().equals("model_ready") && !e.applied()
                && e.detail().contains("not confirmed")), "unconfirmed end status recorded");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.readAllLines(
                dreamDrop.results("one").resolve("events.jsonl")).size() == events.size());
    }

    @Test
    void duplicatedAndReorderedDeliveriesEndAtModelReadyWithoutRegressions() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        sandbox.webhookFault(WebhookFault.DUPLICATE, 3);
        sandbox.webhookFault(WebhookFault.REORDER, 4);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("bumpy-webhooks", 3, MANIFEST);

        dreamDrop.awaitStatus("bumpy-webhooks", "model_ready");
        List<StatusChange> events = dreamDrop.journal().events(jobIdOf("bumpy-webhooks"));
        int rank = -1;
        for (StatusChange event : events) {
            if (event.applied()) {
                assertTrue(TrainingStatus.rank(event.status()) > rank, "regression at " + event);
                rank = TrainingStatus.rank(event.status());
            }
        }
        assertTrue(events.stream().anyMatch(e -> !e.applied() && e.source().equals("webhook")),
                "duplicates and late deliveries were recorded but not applied");
        assertTrue(sandbox.webhooks().stream().allMatch(w -> w.httpStatus() == 200), "every delivery acknowledged");
        assertFalse(sandbox.webhooks().isEmpty());
    }

    @Test
    void failedTrainingIsReportedWithTheApisReason() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        sandbox.failTrainings(1, "training_success");
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("doomed", 2, MANIFEST);

        dreamDrop.awaitStatus("doomed", "failed");
        JsonNode lastEvent = json.readTree(Files.readAllLines(dreamDrop.results("doomed").resolve("events.jsonl"))
                .stream().reduce((a, b) -> b).orElseThrow());
        assertEquals("failed", lastEvent.get("status").asText());
        assertTrue(lastEvent.get("detail").asText().contains("Training failed"), lastEvent.toString());
    }
}
