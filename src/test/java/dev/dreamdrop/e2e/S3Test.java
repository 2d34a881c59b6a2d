package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.ImageFetch;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sets from a bucket, presigned image links and results in the bucket, against a real S3 API (S3Proxy). */
class S3Test {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private RunningS3 s3;
    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void start() throws Exception {
        s3 = new RunningS3();
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
    }

    @AfterEach
    void stop() throws Exception {
        if (dreamDrop != null) {
            dreamDrop.close();
        }
        sandbox.close();
        s3.close();
    }

    private void startDreamDrop(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(s3.settings());
        settings.put("dreamdrop.intake", "s3");
        settings.put("dreamdrop.storage.sink", "s3");
        settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
        settings.putAll(extra);
        dreamDrop = RunningDreamDrop.start(data, sandbox, settings);
    }

    private Path localSet(String name, int photos, String manifest) throws Exception {
        Path dir = data.resolve("upload").resolve(name);
        TestPhotos.writeSet(dir, photos);
        if (manifest != null) {
            Files.writeString(dir.resolve("training.yaml"), manifest);
        }
        return dir;
    }

    private List<JsonNode> fineTuneCalls() throws Exception {
        List<JsonNode> calls = new ArrayList<>();
        for (RecordedRequest request : sandbox.requests("/api/v3/fine_tune")) {
            calls.add(json.readTree(request.body()));
        }
        return calls;
    }

    @Test
    void setUploadedToTheBucketIsTrainedFromPresignedLinksWithResultsInTheBucket() throws Exception {
        startDreamDrop(Map.of());
        s3.upload(localSet("alex", 4, MANIFEST), "inbox/alex/", true);

        s3.awaitStatus("alex", "model_ready");
        List<JsonNode> calls = fineTuneCalls();
        assertEquals(1, calls.size(), "one training");
        JsonNode images = calls.get(0).get("images");
        assertEquals(4, images.size());
        images.forEach(link -> {
            assertTrue(link.asText().startsWith(s3.endpoint() + "/dreamdrop/prepared/"), link.asText());
            assertTrue(link.asText().contains("X-Amz-Signature="), "presigned: " + link.asText());
        });
        List<ImageFetch> fetches = sandbox.imageFetches();
        assertEquals(4, fetches.size());
        fetches.forEach(fetch -> assertTrue(fetch.isUsable(), fetch.toString()));

        assertTrue(s3.keys("inbox/").isEmpty(), "nothing left in the inbox");
        assertEquals(List.of("archive/alex/READY", "archive/alex/photo-01.jpg", "archive/alex/photo-02.jpg",
                "archive/alex/photo-03.jpg", "archive/alex/photo-04.jpg", "archive/alex/training.yaml"),
                s3.keys("archive/"));
        await().atMost(Duration.ofSeconds(5)).until(() -> s3.keys("prepared/").isEmpty());
        // the set's latest job, and the job in its own folder (results per job)
        String own = "results/alex/jobs/" + json.readTree(s3.text("results/alex/status.json")).get("job_id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> s3.keys("results/alex/photos.jpg").size() == 1);
        assertEquals(List.of("results/alex/events.jsonl", own + "/events.jsonl", own + "/photos.jpg",
                own + "/request.json", own + "/status.json", "results/alex/photos.jpg", "results/alex/request.json",
                "results/alex/status.json"), s3.keys("results/"));
        JsonNode request = json.readTree(s3.text("results/alex/request.json"));
        assertEquals("***", request.get("key").asText());
        assertTrue(s3.text("results/alex/events.jsonl").lines().count() >= 10);
        assertFalse(Files.exists(data.resolve("s3-staging")) && Files.list(data.resolve("s3-staging")).findAny()
                .isPresent(), "the local copy is gone");
    }

    @Test
    void aSetWithoutReadyWaitsAndASetUploadedInTwoHalvesIsTrainedWhole() throws Exception {
        startDreamDrop(Map.of());
        Path set = localSet("halves", 4, MANIFEST);
        Path firstHalf = data.resolve("upload/first");
        Files.createDirectories(firstHalf);
        Files.copy(set.resolve("photo-01.jpg"), firstHalf.resolve("photo-01.jpg"));
        Files.copy(set.resolve("photo-02.jpg"), firstHalf.resolve("photo-02.jpg"));
        s3.upload(firstHalf, "inbox/halves/", false);
        s3.upload(localSet("never-ready", 2, MANIFEST), "inbox/never-ready/", false);

        Thread.sleep(1500);
        assertTrue(fineTuneCalls().isEmpty(), "no READY, no submission");
        s3.upload(set, "inbox/halves/", true);

        s3.awaitStatus("halves", "model_ready");
        assertEquals(1, fineTuneCalls().size());
        assertEquals(4, fineTuneCalls().get(0).get("images").size(), "both halves");
        assertEquals(3, s3.keys("inbox/never-ready/").size() - 0, "the set without READY is left alone");
        assertEquals(null, s3.statusOf("never-ready"));
    }

    @Test
    void aRejectedSetMovesToTheFailedPrefixWithErrorsJson() throws Exception {
        startDreamDrop(Map.of());
        Path set = localSet("bad", 2, "instance_prompt: photo of sks person\nmax_train_steps: 9000\n");
        Files.writeString(set.resolve("broken.png"), "not an image");
        s3.upload(set, "inbox/bad/", true);

        s3.awaitStatus("bad", "rejected");
        assertTrue(fineTuneCalls().isEmpty());
        assertTrue(s3.keys("inbox/").isEmpty());
        assertTrue(s3.keys("failed/bad/").contains("failed/bad/photo-01.jpg"));
        JsonNode errors = json.readTree(s3.text("failed/bad/errors.json"));
        assertEquals(2, errors.get("errors").size(), errors.toString());
        assertTrue(errors.toString().contains("broken.png") && errors.toString().contains("max_train_steps"));
    }

    @Test
    void theBucketGoingAwayAndComingBackLosesAndDuplicatesNothing() throws Exception {
        // a manual clock: the API fetches the images only when told to, after the bucket is back (a training
        // whose images cannot be fetched fails, at the API, whatever DreamDrop does)
        sandbox.stepDelay(null);
        startDreamDrop(Map.of("dreamdrop.intake.stalled-after", "3s"));
        List<String> sets = List.of("early-0", "early-1", "early-2", "late-0", "late-1");
        for (String set : sets.subList(0, 3)) {
            s3.upload(localSet(set, 2, "instance_prompt: photo of sks " + set + " person\n"), "inbox/" + set + "/", true);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> fineTuneCalls().size() >= 1);
        s3.stop();
        Thread.sleep(3000);
        s3.start();
        for (String set : sets.subList(3, 5)) {
            s3.upload(localSet(set, 2, "instance_prompt: photo of sks " + set + " person\n"), "inbox/" + set + "/", true);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> fineTuneCalls().size() >= sets.size()
                && sets.stream().allMatch(set -> "deploying_gpu".equals(s3.statusOf(set))));
        for (int step = 0; step < 7; step++) {
            sandbox.trainingIds().forEach(sandbox::advance);
        }
        for (String set : sets) {
            s3.awaitStatus(set, "model_ready");
        }
        Map<String, Integer> callsPerSet = new HashMap<>();
        for (JsonNode call : fineTuneCalls()) {
            callsPerSet.merge(call.get("instance_prompt").asText(), 1, Integer::sum);
        }
        assertEquals(sets.size(), callsPerSet.size());
        callsPerSet.forEach((prompt, calls) -> assertEquals(1, calls, prompt + " trained once"));
        assertTrue(sandbox.imageFetches().stream().allMatch(ImageFetch::isUsable));
        await().atMost(Duration.ofSeconds(10)).until(() -> s3.keys("inbox/").isEmpty());
        assertEquals(sets.size(), s3.keys("archive/").stream().filter(k -> k.endsWith("/READY")).count(),
                "every set archived, once");
    }

    @Test
    void aFolderSetCanBeHostedOnS3() throws Exception {
        startDreamDrop(Map.of("dreamdrop.intake", "folder", "dreamdrop.storage.sink", "folder",
                "dreamdrop.images.hosting", "s3"));
        dreamDrop.dropSet("local", 3, MANIFEST);

        dreamDrop.awaitStatus("local", "model_ready");
        JsonNode images = fineTuneCalls().get(0).get("images");
        images.forEach(link -> assertTrue(link.asText().contains("/dreamdrop/prepared/")
                && link.asText().contains("X-Amz-Signature="), link.asText()));
        assertTrue(sandbox.imageFetches().stream().allMatch(ImageFetch::isUsable));
        await().atMost(Duration.ofSeconds(5)).until(() -> s3.keys("prepared/").isEmpty());
        assertTrue(Files.isDirectory(dreamDrop.archive().resolve("local")));
    }
}
