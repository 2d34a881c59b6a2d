package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real training with nothing but an API key: no public URL and no bucket. The photos are hosted on the training
 * API's own storage, the status comes by polling alone, and the photos are deleted from that storage when the
 * training ends; SIGKILLs between the uploads and the training request, in the middle of the uploads and before the
 * deletes change none of it.
 */
class VendorHostingTest {

    private static final String UPLOAD = "/api/v3/base64_crop";
    private static final String DELETE = "/api/v3/delete_image";
    private static final String FINE_TUNE = "/api/v3/fine_tune";
    private static final int PHOTOS = 3;

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();

    /** No public URL, no bucket: what a user with only a key runs; fast clocks for the test. */
    private static Map<String, String> keyOnly() {
        return Map.of("dreamdrop.public-url", "", "dreamdrop.poll.interval", "200ms",
                "dreamdrop.images.vendor.delete-poll-interval", "100ms");
    }

    @Test
    void aSetIsTrainedToModelReadyByPollingAloneOnVendorHostedPhotosThenDeletedThere() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, keyOnly())) {
            dreamDrop.dropSet("alex", PHOTOS, "instance_prompt: photo of sks person\ntraining_type: men\n");

            JsonNode status = dreamDrop.awaitStatus("alex", "model_ready");

            assertTrue(sandbox.webhooks().isEmpty(), "no webhook: the API was given none");
            JsonNode sent = onlyTrainingRequest(sandbox);
            assertEquals("", sent.get("webhook").asText());
            Map<String, Long> uploaded = uploadAnswers(sandbox);
            assertEquals(PHOTOS, uploaded.size(), "one upload per photo");
            Set<String> links = new HashSet<>();
            sent.get("images").forEach(link -> links.add(link.asText()));
            assertEquals(uploaded.keySet(), links, "every image of the training is a base64_crop link");
            for (RecordedRequest upload : sandbox.requests(UPLOAD)) {
                JsonNode body = json.readTree(upload.body());
                assertTrue(body.get("image").asText().startsWith("data:image/jpeg;base64,"));
                assertEquals("false", body.get("crop").asText(), "DreamDrop cut the photos itself");
            }
            assertTrue(sandbox.imageFetches().stream().allMatch(fetch -> fetch.isUsable()
                    && links.contains(fetch.url())), "the API fetched the vendor links, 512x512 each");
            assertEquals(sent.get("images"), RunningDreamDrop.readJson(dreamDrop.results("alex")
                    .resolve("request.json")).get("images"), "request.json holds the links as sent");
            assertTrue(dreamDrop.journal().events(status.get("job_id").asText()).stream()
                    .filter(event -> event.applied() && event.status().equals("model_ready"))
                    .allMatch(event -> event.source().equals("poll")), "model_ready came by polling");

            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.deletedImages().size() == PHOTOS);
            assertEquals(new HashSet<>(uploaded.values()), new HashSet<>(sandbox.deletedImages()),
                    "each upload's request_id deleted");
            assertEquals(0, sandbox.storedImages(), "nothing of the person is left on the vendor's storage");
            assertEquals(PHOTOS, sandbox.requests(DELETE).size(), "each deleted once");
        }
    }

    @Test
    void aCancelledTrainingHasItsUploadsDeletedToo() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, keyOnly())) {
            dreamDrop.dropSet("changed-mind", PHOTOS, "instance_prompt: photo of sks person\n");
            String jobId = dreamDrop.awaitStatus("changed-mind", "deploying_gpu").get("job_id").asText();
            assertEquals(PHOTOS, sandbox.storedImages());

            HttpResponse<String> cancel = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(dreamDrop.managementUrl() + "/api/jobs/" + jobId + "/cancel"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, cancel.statusCode(), cancel.body());

            dreamDrop.awaitStatus("changed-mind", "cancelled");
            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.deletedImages().size() == PHOTOS);
            assertEquals(0, sandbox.storedImages());
        }
    }

    @Test
    void aRefusedUploadFailsTheSetWithTheApisOwnWordsAndNoTraining() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, keyOnly())) {
            sandbox.failNextCallsTo(UPLOAD, null, ResponseFault.INSUFFICIENT_CREDITS);
            dreamDrop.dropSet("broke", PHOTOS, "instance_prompt: photo of sks person\n");

            JsonNode status = dreamDrop.awaitStatus("broke", "failed");

            assertTrue(status.get("error").asText().contains("refused photo 02.jpg: Insufficient credits"),
                    status.toString());
            String errors = Files.readString(dreamDrop.failed().resolve("broke").resolve("errors.json"));
            assertTrue(errors.contains("Insufficient credits. Please add more credits to continue."), errors);
            assertTrue(sandbox.requests(FINE_TUNE).isEmpty(), "no training requested");
            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.storedImages() == 0);
            assertEquals(1, sandbox.deletedImages().size(), "the photo that was taken is deleted again");
        }
    }

    @Test
    void withoutThePreparedPhotosTheRestCannotBeUploadedAndTheSetFailsForARetry() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, keyOnly())) {
            // the first photo is taken, the second refused for 2 s: meanwhile the prepared photos vanish, as they
            // are not on a replica that takes a set over
            sandbox.retryAfterSeconds(2);
            sandbox.failNextCallsTo(UPLOAD, null, ResponseFault.RATE_LIMITED);
            dreamDrop.dropSet("orphan", PHOTOS, "instance_prompt: photo of sks person\n");
            await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.requests(UPLOAD).size() == 2);
            try (var jobs = Files.list(dreamDrop.prepared())) {
                for (Path job : jobs.toList()) {
                    try (var photos = Files.list(job)) {
                        for (Path photo : photos.toList()) {
                            Files.delete(photo);
                        }
                    }
                }
            }

            JsonNode status = dreamDrop.awaitStatus("orphan", "failed");

            assertTrue(status.get("error").asText().contains("is not on this instance")
                    && status.get("error").asText().contains("Retry the set"), status.toString());
            assertTrue(sandbox.requests(FINE_TUNE).isEmpty(), "no training requested");
            await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.storedImages() == 0);
            assertEquals(1, sandbox.deletedImages().size(), "the photo that was uploaded is deleted");
        }
    }

    @Test
    void killedBetweenTheUploadsAndTheTrainingRequestOneTrainingAndNoPhotoUploadedTwice() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100))) {
            // every photo is uploaded; the training request is refused with a minute to wait, and the process dies
            sandbox.retryAfterSeconds(60);
            sandbox.failNextTrainingRequests(1, ResponseFault.RATE_LIMITED);
            RunningDreamDrop.dropSet(data.resolve("inbox"), "between", PHOTOS, "instance_prompt: photo of sks person\n");

            killWhen(sandbox, () -> sandbox.requests(FINE_TUNE).size() == 1);
            assertEquals(PHOTOS, sandbox.requests(UPLOAD).size());

            // the restarted process runs until its training is ready and its uploads are deleted
            restartUntil(sandbox, () -> "model_ready".equals(status("between"))
                    && sandbox.deletedImages().size() == PHOTOS);
            assertEquals(PHOTOS, sandbox.requests(UPLOAD).size(), "no photo uploaded again after the restart");
            assertEquals(1, sandbox.trainingIds().size(), "one training");
            assertEquals(2, sandbox.requests(FINE_TUNE).size(), "the refused request, and one after the restart");
        }
    }

    @Test
    void killedInTheMiddleOfTheUploadsTheRestartUploadsOnlyTheRest() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100))) {
            // the first photo is taken, the second refused with a minute to wait: the process dies in that wait
            sandbox.retryAfterSeconds(60);
            sandbox.failNextCallsTo(UPLOAD, null, ResponseFault.RATE_LIMITED);
            RunningDreamDrop.dropSet(data.resolve("inbox"), "halfway", PHOTOS, "instance_prompt: photo of sks person\n");

            killWhen(sandbox, () -> sandbox.requests(UPLOAD).size() == 2);

            restartUntil(sandbox, () -> "model_ready".equals(status("halfway")));
            assertEquals(PHOTOS + 1, sandbox.requests(UPLOAD).size(), "the refused upload made again, no other");
            assertEquals(PHOTOS, uploadAnswers(sandbox).size());
            assertEquals(1, sandbox.requests(FINE_TUNE).size());
            assertEquals(1, sandbox.trainingIds().size());
        }
    }

    @Test
    void killedBeforeTheDeletesTheRestartStillDeletesEveryUpload() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100))) {
            RunningDreamDrop.dropSet(data.resolve("inbox"), "forget-me", PHOTOS, "instance_prompt: photo of sks person\n");
            Map<String, String> noDeletesYet = new HashMap<>(keyOnly());
            noDeletesYet.put("dreamdrop.images.vendor.delete-poll-interval", "1h");
            DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", noDeletesYet);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> "model_ready".equals(status("forget-me")));
            } finally {
                first.kill();
            }
            assertTrue(sandbox.requests(DELETE).isEmpty(), "killed before any delete");
            assertEquals(PHOTOS, sandbox.storedImages());

            try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", keyOnly())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.deletedImages().size() == PHOTOS);
            }
            assertEquals(0, sandbox.storedImages());
        }
    }

    private void killWhen(TrainingApiSandbox sandbox, java.util.concurrent.Callable<Boolean> condition)
            throws Exception {
        DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", keyOnly());
        try {
            await().atMost(Duration.ofSeconds(60)).until(condition);
            // the journal has the answer before the next call goes out: give the refusal's journalling a moment
            Thread.sleep(500);
        } finally {
            first.kill();
        }
    }

    private void restartUntil(TrainingApiSandbox sandbox, java.util.concurrent.Callable<Boolean> condition)
            throws Exception {
        sandbox.clearFaults();
        try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", keyOnly())) {
            await().atMost(Duration.ofSeconds(60)).until(condition);
        }
    }

    private String status(String set) {
        Path file = data.resolve("results").resolve(set).resolve("status.json");
        try {
            return Files.exists(file) ? json.readTree(file.toFile()).path("status").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private JsonNode onlyTrainingRequest(TrainingApiSandbox sandbox) throws IOException {
        List<RecordedRequest> requests = sandbox.requests(FINE_TUNE);
        assertEquals(1, requests.size());
        return json.readTree(requests.get(0).body());
    }

    /** What the vendor's storage answered to each upload that it took: link -> request_id. */
    private static Map<String, Long> uploadAnswers(TrainingApiSandbox sandbox) {
        return sandbox.uploadedImages();
    }
}
