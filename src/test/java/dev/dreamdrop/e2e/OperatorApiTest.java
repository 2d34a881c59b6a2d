package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator API on the management port: list, inspect, cancel, delete, retry, models; against the sandbox. */
class OperatorApiTest {

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

    private HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path) throws Exception {
        HttpResponse<String> response = call(method, path, null);
        assertTrue(response.statusCode() / 100 == 2, method + " " + path + ": " + response.statusCode() + " " + response.body());
        return json.readTree(response.body());
    }

    @Test
    void listInspectCancelDeleteAndListModels() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("to-cancel", 2, MANIFEST);
        dreamDrop.dropSet("to-keep", 2, MANIFEST);
        String cancelId = dreamDrop.awaitStatus("to-cancel", "deploying_gpu").get("job_id").asText();
        JsonNode keep = dreamDrop.awaitStatus("to-keep", "deploying_gpu");

        JsonNode jobs = ok("GET", "/api/jobs");
        assertEquals(2, jobs.size());
        assertEquals(1, ok("GET", "/api/jobs?status=claimed").size() + ok("GET", "/api/jobs?status=deploying_gpu").size() - 1);
        JsonNode one = ok("GET", "/api/jobs/" + cancelId);
        assertEquals("to-cancel", one.get("set").asText());
        assertTrue(one.get("history").size() >= 3, one.toString());
        assertEquals(404, call("GET", "/api/jobs/nope", null).statusCode());

        JsonNode cancelled = ok("POST", "/api/jobs/" + cancelId + "/cancel");
        assertEquals("cancelled", cancelled.get("status").asText());
        assertEquals("cancelled", sandbox.statusOf(cancelled.get("training_id").asText()), "cancelled at the API");
        assertEquals(409, call("POST", "/api/jobs/" + cancelId + "/cancel", null).statusCode(), "already ended");
        dreamDrop.awaitStatus("to-cancel", "cancelled");

        String keepTraining = keep.get("training_id").asText();
        for (int i = 0; i < 7; i++) {
            sandbox.advance(keepTraining);
        }
        dreamDrop.awaitStatus("to-keep", "model_ready");
        assertTrue(ok("GET", "/api/models").toString().contains(keepTraining));
        ok("POST", "/api/jobs/" + keep.get("job_id").asText() + "/delete-model");
        assertFalse(ok("GET", "/api/models").toString().contains(keepTraining), "deleted at the API");
        assertTrue(ok("GET", "/api/jobs/" + keep.get("job_id").asText()).toString().contains("model_deleted"));

        HttpResponse<String> thumbnail = call("GET", "/api/jobs/" + cancelId + "/thumbnails/0", null);
        assertEquals(200, thumbnail.statusCode());
    }

    @Test
    void aFailedSetIsRetriedAsANewJob() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        sandbox.failTrainings(1, "training_started");
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("second-chance", 2, MANIFEST);
        String failedId = dreamDrop.awaitStatus("second-chance", "failed").get("job_id").asText();
        assertEquals(409, call("POST", "/api/jobs/" + failedId + "/cancel", null).statusCode());

        HttpResponse<String> retry = call("POST", "/api/jobs/" + failedId + "/retry", null);
        assertEquals(202, retry.statusCode(), retry.body());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode status = dreamDrop.status("second-chance");
            return !status.get("job_id").asText().equals(failedId) && "model_ready".equals(status.get("status").asText());
        });
        assertEquals(2, sandbox.requests("/api/v3/fine_tune").size(), "the retry is one new training");
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("second-chance")));
        assertEquals(409, call("POST", "/api/jobs/" + failedId + "/retry", null).statusCode(), "the set has moved on");
    }

    @Test
    void aConfiguredTokenIsRequired() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.operator.token", "op-secret"));
        assertEquals(401, call("GET", "/api/jobs", null).statusCode());
        assertEquals(401, call("GET", "/api/jobs", "wrong").statusCode());
        assertEquals(200, call("GET", "/api/jobs", "op-secret").statusCode());
    }

    @Test
    void theJobListComesInPagesWithALinkToTheNextAndFilters() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        List<String> ids = new ArrayList<>();
        for (String name : List.of("page-a", "page-b", "page-c", "other")) {
            String id = dreamDrop.journal().claim("folder", name, "fp-" + name).orElseThrow().id();
            dreamDrop.journal().fail(id, "rejected", "intake", "test");
            ids.add(id);
        }

        HttpResponse<String> first = call("GET", "/api/jobs?limit=3", null);
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(3, json.readTree(first.body()).size());
        String link = first.headers().firstValue("Link").orElseThrow();
        String next = link.substring(1, link.indexOf('>'));
        HttpResponse<String> second = call("GET", next, null);
        List<String> seen = new ArrayList<>();
        json.readTree(first.body()).forEach(job -> seen.add(job.get("id").asText()));
        json.readTree(second.body()).forEach(job -> seen.add(job.get("id").asText()));
        assertEquals(new java.util.HashSet<>(ids), new java.util.HashSet<>(seen), "every job once: " + seen);
        assertEquals(4, seen.size());
        assertTrue(second.headers().firstValue("Link").isEmpty(), "the last page");

        JsonNode filtered = ok("GET", "/api/jobs?set=page-&status=rejected,failed");
        assertEquals(3, filtered.size());
        assertEquals(0, ok("GET", "/api/jobs?status=running").size());
        assertEquals(400, call("GET", "/api/jobs?limit=501", null).statusCode());
        assertEquals(400, call("GET", "/api/jobs?before=not-a-cursor", null).statusCode());
        assertEquals(400, call("GET", "/api/jobs?since=yesterday", null).statusCode());
    }
}
