package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same set dropped and trained twice: the set's folder shows the latest job, and each job's results stay
 * readable in its own folder, in the results folder and in the bucket alike.
 */
class ResultsPerJobTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aSetTrainedTwiceKeepsBothJobsResultsInTheFolder() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox)) {
            List<Job> jobs = trainTwice(dreamDrop);

            Path set = dreamDrop.results("twice");
            assertEquals(jobs.get(1).id(), RunningDreamDrop.readJson(set.resolve("status.json")).get("job_id").asText(),
                    "the set's folder shows the latest job");
            for (Job job : jobs) {
                Path own = set.resolve("jobs").resolve(job.id());
                JsonNode status = RunningDreamDrop.readJson(own.resolve("status.json"));
                assertEquals("model_ready", status.get("status").asText());
                assertEquals(job.trainingId(), status.get("training_id").asText());
                assertTrue(own.resolve("request.json").toFile().isFile() && own.resolve("events.jsonl").toFile()
                        .isFile(), "every document of " + job.id());
            }
        }
    }

    @Test
    void aSetTrainedTwiceKeepsBothJobsResultsInTheBucket() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3()) {
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.put("dreamdrop.storage.sink", "s3");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                List<Job> jobs = trainTwice(dreamDrop, s3);

                assertEquals(jobs.get(1).id(), json.readTree(s3.text("results/twice/status.json")).get("job_id")
                        .asText(), "the set's prefix shows the latest job");
                for (Job job : jobs) {
                    String own = "results/twice/jobs/" + job.id() + "/";
                    assertEquals(List.of(own + "events.jsonl", own + "photos.jpg", own + "request.json",
                            own + "status.json"),
                            s3.keys(own));
                    JsonNode status = json.readTree(s3.text(own + "status.json"));
                    assertEquals("model_ready", status.get("status").asText());
                    assertEquals(job.trainingId(), status.get("training_id").asText());
                }
            }
        }
    }

    private List<Job> trainTwice(RunningDreamDrop dreamDrop) throws Exception {
        return trainTwice(dreamDrop, null);
    }

    /** Drops the set, waits for model_ready, drops it again (the README's "move it back"), waits again. */
    private List<Job> trainTwice(RunningDreamDrop dreamDrop, RunningS3 s3) throws Exception {
        dreamDrop.dropSet("twice", 2, MANIFEST);
        awaitReady(dreamDrop, s3, 1);
        dreamDrop.dropSet("twice", 2, MANIFEST);
        awaitReady(dreamDrop, s3, 2);
        List<Job> jobs = dreamDrop.journal().allJobs().stream().filter(job -> job.setName().equals("twice"))
                .sorted((a, b) -> a.createdAt().compareTo(b.createdAt())).toList();
        assertEquals(2, jobs.size());
        assertNotEquals(jobs.get(0).trainingId(), jobs.get(1).trainingId());
        return jobs;
    }

    private void awaitReady(RunningDreamDrop dreamDrop, RunningS3 s3, int jobs) {
        await().atMost(Duration.ofSeconds(30)).until(() -> dreamDrop.journal().allJobs().stream()
                .filter(job -> job.setName().equals("twice") && job.status().equals("model_ready")).count() == jobs);
        if (s3 == null) {
            dreamDrop.awaitStatus("twice", "model_ready");
        } else {
            s3.awaitStatus("twice", "model_ready");
        }
        // the latest job's results are written after its status is journalled: wait for its own folder's too
        Job latest = dreamDrop.journal().latestJob("folder", "twice").orElseThrow();
        if (s3 == null) {
            await().atMost(Duration.ofSeconds(10)).until(() -> dreamDrop.results("twice").resolve("jobs")
                    .resolve(latest.id()).resolve("status.json").toFile().isFile()
                    && "model_ready".equals(RunningDreamDrop.readJson(dreamDrop.results("twice").resolve("jobs")
                    .resolve(latest.id()).resolve("status.json")).path("status").asText()));
        }
    }
}
