package dev.dreamdrop.e2e;

import dev.dreamdrop.journal.Job;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dreamdrop.retention.results: after a training ended, and the retention, its results are gone (folder and bucket),
 * its photos and journal entry are not.
 * <p>
 * dreamdrop.retention.photos: after a training ended, and the retention, its photos are gone from the archive
 * (folder and bucket), the journal's thumbnails and contact sheet and the results' photos.jpg; its results stay, and
 * the photos of a training still running are not touched.
 */
class RetentionTest {

    private static final Map<String, String> RETENTION = Map.of("dreamdrop.retention.photos", "5s",
            "dreamdrop.retention.check-interval", "200ms");
    private static final Map<String, String> RESULTS_RETENTION = Map.of("dreamdrop.retention.results", "4s",
            "dreamdrop.retention.check-interval", "200ms", "dreamdrop.erase.poll-interval", "200ms");

    @TempDir
    Path data;

    @Test
    void theArchivedPhotosOfAnEndedTrainingAreDeletedAndItsResultsStay() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, RETENTION)) {
            sandbox.stallTrainings(1, "training_success");
            dreamDrop.dropSet("running", 2, "instance_prompt: photo of sks person\n");
            dreamDrop.awaitStatus("running", "training_started");
            dreamDrop.dropSet("ended", 3, "instance_prompt: photo of sks person\n");
            dreamDrop.awaitStatus("ended", "model_ready");
            Job ended = dreamDrop.journal().latestJob("folder", "ended").orElseThrow();
            Job running = dreamDrop.journal().latestJob("folder", "running").orElseThrow();
            Path results = dreamDrop.results("ended");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(results.resolve("photos.jpg")));
            assertEquals(3, photos(dreamDrop.archive().resolve("ended")).size(), "kept until the retention ends");

            await().atMost(Duration.ofSeconds(60)).until(() -> photos(dreamDrop.archive().resolve("ended")).isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(results.resolve("photos.jpg")));
            assertFalse(Files.exists(results.resolve("jobs/" + ended.id() + "/photos.jpg")));
            assertEquals(List.of(), dreamDrop.journal().thumbnails(ended.id()), "the journal's thumbnails");
            assertTrue(Files.exists(dreamDrop.archive().resolve("ended/training.yaml")), "the manifest stays");
            for (String document : List.of("status.json", "events.jsonl", "request.json")) {
                assertTrue(Files.exists(results.resolve(document)), document + " stays");
            }
            assertEquals("model_ready", dreamDrop.status("ended").get("status").asText());

            assertEquals(2, photos(dreamDrop.archive().resolve("running")).size(), "a training still running keeps them");
            assertEquals(2, dreamDrop.journal().thumbnails(running.id()).size());
        }
    }

    @Test
    void inTheBucketTheArchivedPhotosAndTheContactSheetAreDeleted() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3()) {
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.putAll(RETENTION);
            settings.put("dreamdrop.intake", "s3");
            settings.put("dreamdrop.storage.sink", "s3");
            settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                Path set = data.resolve("upload/bucketed");
                TestPhotos.writeSet(set, 2);
                Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of sks person\n");
                s3.upload(set, "inbox/bucketed/", true);
                s3.awaitStatus("bucketed", "model_ready");
                await().atMost(Duration.ofSeconds(10)).until(() -> s3.keys("results/bucketed/photos.jpg").size() == 1);

                await().atMost(Duration.ofSeconds(60)).until(() -> s3.keys("archive/bucketed/").stream()
                        .noneMatch(key -> key.endsWith(".jpg")));
                await().atMost(Duration.ofSeconds(10)).until(() -> s3.keys("results/bucketed/photos.jpg").isEmpty());
                assertTrue(s3.keys("archive/bucketed/").contains("archive/bucketed/training.yaml"));
                assertEquals(1, s3.keys("results/bucketed/status.json").size(), "the results stay");
            }
        }
    }

    @Test
    void theResultsOfAnEndedTrainingAreDeletedAfterTheirRetentionInTheFolder() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, RESULTS_RETENTION)) {
            dreamDrop.dropSet("brief", 2, "instance_prompt: photo of sks person\n");
            dreamDrop.awaitStatus("brief", "model_ready");
            Job job = dreamDrop.journal().latestJob("folder", "brief").orElseThrow();
            Path results = dreamDrop.results("brief");

            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(results.resolve("status.json")));
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(results.resolve("jobs/" + job.id())));
            assertFalse(Files.exists(results.resolve("request.json")));
            assertEquals(2, photos(dreamDrop.archive().resolve("brief")).size(), "the photos have their own retention");
            Job kept = dreamDrop.journal().find(job.id()).orElseThrow();
            assertEquals("model_ready", kept.status(), "the journal keeps the job");
            assertTrue(kept.requestJson().contains("sks"), "and its request: only the results' retention ended");
        }
    }

    @Test
    void inTheBucketTheResultsPastTheirRetentionAreDeleted() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3()) {
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.putAll(RESULTS_RETENTION);
            settings.put("dreamdrop.storage.sink", "s3");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                dreamDrop.dropSet("bucketed", 2, "instance_prompt: photo of sks person\n");
                s3.awaitStatus("bucketed", "model_ready");
                await().atMost(Duration.ofSeconds(60)).until(() -> s3.keys("results/bucketed/").isEmpty());
                assertEquals(2, photos(dreamDrop.archive().resolve("bucketed")).size());
            }
        }
    }

    private static List<Path> photos(Path setFolder) throws Exception {
        try (Stream<Path> files = Files.list(setFolder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jpg")).toList();
        }
    }
}
