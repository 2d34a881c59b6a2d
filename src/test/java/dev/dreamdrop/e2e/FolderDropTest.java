package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.ImageFetch;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A person drops a folder of photos; DreamDrop trains it against the sandbox and records every status. */
class FolderDropTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\ntraining_type: men\n";

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void startSandbox() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
    }

    @AfterEach
    void stop() {
        if (dreamDrop != null) {
            dreamDrop.close();
        }
        sandbox.close();
    }

    private List<JsonNode> fineTuneCalls() throws Exception {
        List<JsonNode> calls = new ArrayList<>();
        for (RecordedRequest request : sandbox.requests("/api/v3/fine_tune")) {
            calls.add(json.readTree(request.body()));
        }
        return calls;
    }

    @Test
    void droppedSetEndsArchivedAndReadyWithThePayloadAsDocumented() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("alex", 5, MANIFEST);

        JsonNode status = dreamDrop.awaitStatus("alex", "model_ready");

        List<JsonNode> calls = fineTuneCalls();
        assertEquals(1, calls.size(), "one training");
        JsonNode payload = calls.get(0);
        List<String> fields = new ArrayList<>();
        payload.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("key", "instance_prompt", "class_prompt", "base_model_id", "images", "seed",
                "training_type", "max_train_steps", "webhook"), fields, "the vendor's fields, in the vendor's order");
        assertEquals(RunningDreamDrop.API_KEY, payload.get("key").asText());
        assertEquals("photo of sks person", payload.get("instance_prompt").asText());
        assertEquals("photo of person", payload.get("class_prompt").asText());
        assertEquals("portraitplus-diffusion", payload.get("base_model_id").asText());
        assertEquals("men", payload.get("training_type").asText());
        assertTrue(payload.get("max_train_steps").isTextual(), "numbers travel as strings");
        assertEquals("10", payload.get("max_train_steps").asText(), "2 x 5 images");
        assertTrue(payload.get("seed").isNull(), "no seed asked for: a random one");
        assertTrue(payload.get("webhook").asText().startsWith(dreamDrop.publicUrl() + "/webhook/"));
        assertEquals(5, payload.get("images").size());
        payload.get("images").forEach(link -> assertTrue(link.asText().startsWith(dreamDrop.publicUrl() + "/images/")));

        List<ImageFetch> fetches = sandbox.imageFetches();
        assertEquals(5, fetches.size());
        fetches.forEach(fetch -> assertTrue(fetch.isUsable(), "512x512 image at " + fetch.url() + ": " + fetch));

        assertEquals(payload.path("images").get(0).asText().split("/")[4].length(), 48, "unguessable image token");
        assertEquals(status.get("training_id").asText(), sandbox.trainingIds().iterator().next());
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("alex")), "set archived");
        assertFalse(Files.exists(dreamDrop.inbox().resolve("alex")), "inbox emptied");

        JsonNode request = RunningDreamDrop.readJson(dreamDrop.results("alex").resolve("request.json"));
        assertEquals("***", request.get("key").asText(), "key masked in the stored request");
        assertEquals(payload.get("images"), request.get("images"));

        List<String> applied = new ArrayList<>();
        for (String line : Files.readAllLines(dreamDrop.results("alex").resolve("events.jsonl"))) {
            JsonNode event = json.readTree(line);
            if (event.get("applied").asBoolean()) {
                applied.add(event.get("status").asText());
            }
        }
        assertEquals(List.of("claimed", "submitting", "deploying_gpu", "training_started", "training_success",
                "trained_model_compressing", "trained_model_uploading", "trained_model_uploaded", "deploying_model",
                "model_ready"), applied);

        // the training has ended: its image links no longer answer and the prepared copies are gone
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dreamDrop.prepared().resolve(
                status.get("job_id").asText())));
        HttpResponse<Void> link = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(payload.get("images").get(0).asText())).GET().build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(404, link.statusCode());
    }

    @Test
    void aSetDroppedAgainUnderTheSameNameIsANewTrainingAndBothCopiesAreKept() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("again", 2, MANIFEST);
        String first = dreamDrop.awaitStatus("again", "model_ready").get("job_id").asText();
        dreamDrop.dropSet("again", 3, MANIFEST);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode status = dreamDrop.status("again");
            return !status.get("job_id").asText().equals(first) && status.get("status").asText().equals("model_ready");
        });
        assertEquals(2, fineTuneCalls().size());
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("again")));
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("again.2")), "the older copy is not overwritten");
    }

    @Test
    void setWithoutReadyFileIsTakenOnlyOnceItHasBeenQuiet() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        Path set = dreamDrop.inbox().resolve("slow-copy");
        Files.createDirectories(set);
        // a slow copy: a photo every 300 ms, for longer than the 1 s quiet period in total
        for (int i = 0; i < 6; i++) {
            TestPhotos.writeJpeg(TestPhotos.portrait(600, 600, i), set.resolve("p" + i + ".jpg"), false);
            Thread.sleep(300);
            assertTrue(fineTuneCalls().isEmpty(), "nothing submitted while files keep arriving");
            assertFalse(Files.exists(dreamDrop.results("slow-copy")), "not even claimed");
        }
        Files.writeString(set.resolve("training.yaml"), MANIFEST);
        dreamDrop.awaitStatus("slow-copy", "model_ready");
        assertEquals(6, fineTuneCalls().get(0).get("images").size(), "every photo of the finished copy");
    }

    @Test
    void transientFaultsStillGiveExactlyOneTraining() throws Exception {
        sandbox.retryAfterSeconds(0);
        sandbox.failNextCalls(1, ResponseFault.SERVER_ERROR);
        sandbox.failNextCalls(1, ResponseFault.RATE_LIMITED);
        sandbox.failNextCalls(1, ResponseFault.SPAM_FILTER);
        sandbox.failNextCalls(1, ResponseFault.FAILED_TRY_AGAIN);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("bumpy", 4, MANIFEST);

        dreamDrop.awaitStatus("bumpy", "model_ready");
        assertEquals(5, fineTuneCalls().size(), "four refused calls, then the one that worked");
        assertEquals(1, sandbox.trainingIds().size(), "exactly one training");
    }

    @Test
    void invalidKeyFailsTheSetAfterOneCallWithTheApisWords() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.api.key", "sk-wrong"));
        dreamDrop.dropSet("wrong-key", 3, MANIFEST);

        dreamDrop.awaitStatus("wrong-key", "failed");
        assertEquals(1, fineTuneCalls().size(), "no retry of a permanent error");
        assertTrue(sandbox.trainingIds().isEmpty());
        JsonNode errors = RunningDreamDrop.readJson(dreamDrop.failed().resolve("wrong-key").resolve("errors.json"));
        assertTrue(errors.get("errors").get(0).get("message").asText().contains("Invalid Api Key"), errors.toString());
        assertFalse(Files.exists(dreamDrop.archive().resolve("wrong-key")), "moved from archive to failed");
    }

    @Test
    void apiThatStaysDownFailsTheSetAfterTheConfiguredAttempts() throws Exception {
        sandbox.failNextCalls(10, ResponseFault.SERVER_ERROR);
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.api.max-attempts", "3"));
        dreamDrop.dropSet("outage", 3, MANIFEST);

        JsonNode status = dreamDrop.awaitStatus("outage", "failed");
        assertEquals(3, fineTuneCalls().size());
        assertTrue(status.get("error").asText().contains("move the set back into the inbox"), status.toString());
        assertTrue(Files.exists(dreamDrop.failed().resolve("outage").resolve("errors.json")));
    }

    @Test
    void unknownOutcomeIsNeverResubmittedAndIsSettledByTheTrainingsWebhooks() throws Exception {
        sandbox.failNextCalls(1, ResponseFault.ACCEPT_WITHOUT_ANSWER);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("lost-answer", 3, MANIFEST);

        // the training started although DreamDrop never got the answer; its webhooks carry the job's token
        JsonNode status = dreamDrop.awaitStatus("lost-answer", "model_ready");
        assertEquals(1, fineTuneCalls().size(), "not resubmitted");
        assertEquals(sandbox.trainingIds().iterator().next(), status.get("training_id").asText());
        List<String> statuses = new ArrayList<>();
        for (String line : Files.readAllLines(dreamDrop.results("lost-answer").resolve("events.jsonl"))) {
            statuses.add(json.readTree(line).get("status").asText());
        }
        assertTrue(statuses.contains("unknown_outcome"), statuses.toString());
    }

    @Test
    void timeoutAfterTheRequestWasSentIsAnUnknownOutcomeNotARetry() throws Exception {
        sandbox.latency(Duration.ofMillis(2500));
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.api.timeout", "1s"));
        dreamDrop.dropSet("slow-api", 2, MANIFEST);

        dreamDrop.awaitStatus("slow-api", "unknown_outcome");
        assertEquals(1, fineTuneCalls().size());
        sandbox.latency(Duration.ZERO);
        // the slow call did start a training; its webhooks settle the job
        dreamDrop.awaitStatus("slow-api", "model_ready");
        assertEquals(1, fineTuneCalls().size(), "never resubmitted");
        assertEquals(1, sandbox.trainingIds().size());
    }

    @Test
    void unknownOutcomeWithoutWebhooksStaysUnknownAndIsNotRetried() throws Exception {
        sandbox.failNextCalls(1, ResponseFault.ACCEPT_WITHOUT_ANSWER);
        sandbox.webhookFault(dev.dreamdrop.sandbox.WebhookFault.DROP, Integer.MAX_VALUE);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("silent", 3, MANIFEST);

        dreamDrop.awaitStatus("silent", "unknown_outcome");
        Thread.sleep(1500);
        assertEquals(1, fineTuneCalls().size(), "never resubmitted silently");
        assertEquals("unknown_outcome", dreamDrop.status("silent").get("status").asText());
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("silent")), "kept in the archive for an operator");
    }

    @Test
    void apiKeyAppearsInNoFileDreamDropWrites() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox);
        dreamDrop.dropSet("secret-check", 3, MANIFEST);
        dreamDrop.dropSet("secret-reject", 0, MANIFEST);
        dreamDrop.awaitStatus("secret-check", "model_ready");
        dreamDrop.awaitStatus("secret-reject", "rejected");
        dreamDrop.close();
        dreamDrop = null;

        List<Path> files;
        try (Stream<Path> walk = Files.walk(data)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith(".mv.db")), "the journal is searched too");
        for (Path file : files) {
            String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertFalse(content.contains(RunningDreamDrop.API_KEY), "key found in " + file);
        }
    }
}
