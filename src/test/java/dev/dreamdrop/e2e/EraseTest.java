package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.EventReceiver;
import dev.dreamdrop.testing.RunningDreamDrop;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Erase on request (POST /api/jobs/{id}/erase): a running training is cancelled, its model and its photos on the
 * training API's storage are deleted there, then its set, results and details here; another job of the same set
 * keeps everything; a tombstone stays, and training.erased is announced. Killed in the middle, the restart finishes
 * the erasure without repeating a step done.
 */
class EraseTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";
    private static final String DELETE_IMAGE = "/api/v3/delete_image";
    private static final int PHOTOS = 3;

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    /** Photos on the vendor's storage (no public URL), kept there after a training until erased; fast clocks. */
    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("dreamdrop.public-url", "");
        settings.put("dreamdrop.poll.interval", "200ms");
        settings.put("dreamdrop.images.vendor.delete-poll-interval", "1h");
        settings.put("dreamdrop.erase.poll-interval", "200ms");
        settings.put("dreamdrop.erase.retry-initial-delay", "200ms");
        settings.put("dreamdrop.erase.retry-max-delay", "500ms");
        return settings;
    }

    @Test
    void aRunningTrainingErasedIsCancelledAndDeletedEverywhereWhileTheSetsOtherJobKeepsAll() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             EventReceiver receiver = EventReceiver.start()) {
            Map<String, String> settings = settings();
            settings.put("dreamdrop.events.urls", receiver.url());
            settings.put("dreamdrop.events.secret", EventReceiver.SECRET);
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                dreamDrop.dropSet("alex", PHOTOS, MANIFEST);
                dreamDrop.awaitStatus("alex", "model_ready");
                Job kept = dreamDrop.journal().latestJob("folder", "alex").orElseThrow();
                Path results = dreamDrop.results("alex");
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(results.resolve("jobs")
                        .resolve(kept.id()).resolve("photos.jpg")));

                sandbox.stallTrainings(1, "training_started");
                dreamDrop.dropSet("alex", PHOTOS, MANIFEST);
                await().atMost(Duration.ofSeconds(30)).until(() -> dreamDrop.journal().latestJob("folder", "alex")
                        .filter(job -> !job.id().equals(kept.id()) && job.trainingId() != null).isPresent());
                Job erased = dreamDrop.journal().latestJob("folder", "alex").orElseThrow();
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(results.resolve("jobs")
                        .resolve(erased.id()).resolve("photos.jpg")));
                assertEquals(2, archivedSets().size());
                // the first job's uploads may have gone with its training's end already; the erased job's are there
                int storedBefore = sandbox.storedImages();
                int deletedBefore = sandbox.deletedImages().size();
                assertTrue(storedBefore >= PHOTOS, "the running training's photos are on the vendor's storage");

                HttpResponse<String> asked = post(dreamDrop.managementUrl(), "/api/jobs/" + erased.id() + "/erase");
                assertEquals(202, asked.statusCode(), asked.body());
                JsonNode tombstone = awaitErased(dreamDrop.managementUrl(), erased.id());

                assertEquals(1, sandbox.requests("/api/v3/cancle_training/" + erased.trainingId()).size());
                assertEquals("cancelled", sandbox.statusOf(erased.trainingId()));
                assertEquals(1, sandbox.requests("/api/v3/finetune/delete/" + erased.trainingId()).size());
                assertTrue(sandbox.requests("/api/v3/finetune/delete/" + kept.trainingId()).isEmpty());
                assertEquals(deletedBefore + PHOTOS, sandbox.deletedImages().size(), "the erased job's uploads");
                assertEquals(storedBefore - PHOTOS, sandbox.storedImages(), "no other");

                assertEquals(1, archivedSets().size(), "the erased job's set is gone from the archive");
                try (Stream<Path> files = Files.list(archivedSets().get(0))) {
                    assertEquals(PHOTOS, files.filter(file -> file.toString().endsWith(".jpg")).count(),
                            "the other job's photos stay");
                }
                assertFalse(Files.exists(results.resolve("jobs").resolve(erased.id())), "its results are gone");
                for (String document : List.of("status.json", "request.json", "events.jsonl", "photos.jpg")) {
                    assertFalse(Files.exists(results.resolve(document)), "the set's folder showed it: " + document);
                    assertTrue(Files.exists(results.resolve("jobs").resolve(kept.id()).resolve(document)),
                            "the other job's " + document);
                }
                assertEquals(List.of(), dreamDrop.journal().thumbnails(erased.id()));
                assertEquals(PHOTOS, dreamDrop.journal().thumbnails(kept.id()).size());

                Job forgotten = dreamDrop.journal().find(erased.id()).orElseThrow();
                assertNull(forgotten.requestJson(), "the request and its prompts are forgotten");
                assertEquals("cancelled", forgotten.status());
                assertEquals(erased.trainingId(), forgotten.trainingId(), "the tombstone keeps the ids");
                for (StatusChange event : dreamDrop.journal().events(erased.id())) {
                    assertTrue(event.detail() == null || event.status().equals("erased"), "detail of " + event);
                }
                assertTrue(dreamDrop.journal().find(kept.id()).orElseThrow().requestJson().contains("sks"));

                assertEquals("done", tombstone.path("state").asText());
                assertEquals(6, tombstone.path("steps_done").size(), "every step: " + tombstone);
                assertTrue(tombstone.path("deleted").toString().contains("model " + erased.trainingId()
                        + " deleted at the training API"), tombstone.toString());
                await().atMost(Duration.ofSeconds(10)).until(() -> erasedEvents(receiver).size() == 1);
                JsonNode event = erasedEvents(receiver).get(0);
                assertEquals(erased.id(), event.path("data").path("job_id").asText());
                assertFalse(event.toString().contains("sks"), "no prompt in the event: " + event);

                HttpResponse<String> retry = post(dreamDrop.managementUrl(), "/api/jobs/" + erased.id() + "/retry");
                assertEquals(409, retry.statusCode(), retry.body());
            }
        }
    }

    @Test
    void killedInTheMiddleOfAnErasureTheRestartFinishesItWithoutDeletingTheModelTwice() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50))) {
            RunningDreamDrop.dropSet(data.resolve("inbox"), "forget-me", PHOTOS, MANIFEST);
            DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", settings());
            String trainingId;
            try {
                first.awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60)).until(() -> "model_ready".equals(status("forget-me")));
                JsonNode job = get(first.managementUrl(), "/api/jobs").get(0);
                trainingId = job.path("training_id").asText();
                // the model is deleted, then the vendor refuses every photo's deletion: the process dies in between
                sandbox.retryAfterSeconds(60);
                ResponseFault[] refusals = new ResponseFault[50];
                java.util.Arrays.fill(refusals, ResponseFault.RATE_LIMITED);
                sandbox.failNextCallsTo(DELETE_IMAGE, refusals);
                assertEquals(202, post(first.managementUrl(), "/api/jobs/" + job.path("id").asText() + "/erase")
                        .statusCode());
                await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.requests(DELETE_IMAGE).size() >= PHOTOS);
                Thread.sleep(300);
            } finally {
                first.kill();
            }
            assertEquals(1, sandbox.requests("/api/v3/finetune/delete/" + trainingId).size());
            assertEquals(PHOTOS, sandbox.storedImages(), "killed before the photos left the vendor's storage");
            assertEquals(1, archivedSets().size(), "and before the set left the archive");

            sandbox.clearFaults();
            try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", settings())) {
                second.awaitReady(Duration.ofSeconds(60));
                String jobId = get(second.managementUrl(), "/api/jobs").get(0).path("id").asText();
                JsonNode tombstone = awaitErased(second.managementUrl(), jobId);
                // the uploads' own outbox may have deleted them first, once the faults were gone
                List<?> steps = json.convertValue(tombstone.path("steps_done"), List.class);
                assertTrue(steps.containsAll(List.of("delete_model", "delete_photos", "delete_results",
                        "forget_details")) && !steps.contains("cancel"), "a model_ready job has nothing to cancel: "
                        + steps);
            }
            assertEquals(1, sandbox.requests("/api/v3/finetune/delete/" + trainingId).size(), "deleted once");
            assertEquals(0, sandbox.storedImages(), "every photo deleted from the vendor's storage");
            assertEquals(List.of(), archivedSets());
            assertFalse(Files.exists(data.resolve("results/forget-me/status.json")));
            assertFalse(Files.exists(data.resolve("results/forget-me")), "no results left, not even a folder");
        }
    }

    private JsonNode awaitErased(String managementUrl, String jobId) {
        List<JsonNode> erasure = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode state = get(managementUrl, "/api/jobs/" + jobId).path("erasure");
            erasure.add(0, state);
            return "done".equals(state.path("state").asText());
        });
        return erasure.get(0);
    }

    private List<JsonNode> erasedEvents(EventReceiver receiver) {
        return receiver.accepted().stream().map(EventReceiver.Delivery::event)
                .filter(event -> event.path("type").asText().equals("training.erased")).toList();
    }

    private List<Path> archivedSets() throws Exception {
        Path archive = data.resolve("archive");
        if (!Files.isDirectory(archive)) {
            return List.of();
        }
        try (Stream<Path> sets = Files.list(archive)) {
            return sets.toList();
        }
    }

    private String status(String set) {
        Path file = data.resolve("results").resolve(set).resolve("status.json");
        return Files.exists(file) ? RunningDreamDrop.readJson(file).path("status").asText() : null;
    }

    private HttpResponse<String> post(String managementUrl, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(managementUrl + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String managementUrl, String path) throws Exception {
        return json.readTree(http.send(HttpRequest.newBuilder(URI.create(managementUrl + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }
}
