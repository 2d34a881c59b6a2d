package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.EventReceiver;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drop photos, get pictures: at model_ready each set's model makes its sample images (sandbox text2img and fetch),
 * stored in the results, shown in the model_ready email, announced once as training.samples_ready; never ordered
 * twice, through a SIGKILL; and a generation that never finishes lets the email go without it, saying so.
 */
class SamplesTest {

    private static final String GENERATE = "/api/v6/images/text2img";
    private static final String FETCH = "/api/v6/images/fetch";
    private static final String PERSON = """
            instance_prompt: photo of sks person
            training_type: men
            sample_prompts:
              - "{instance_prompt}, portrait in a park"
              - "sks person on a beach at sunset"
            """;

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private final int smtpPort = RunningDreamDrop.freePort();
    private GreenMail smtp;
    private TrainingApiSandbox sandbox;

    @BeforeEach
    void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ofMillis(50));
        sandbox.generationTiming(Duration.ofMillis(500), Duration.ofMillis(500));
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
    }

    @AfterEach
    void stop() {
        sandbox.close();
        smtp.stop();
    }

    private Map<String, String> withSamplesAndMail(String count) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "dreamdrop.samples.count", count,
                "dreamdrop.mail.host", "127.0.0.1",
                "dreamdrop.mail.port", String.valueOf(smtpPort),
                "dreamdrop.mail.to", "ops@example.com",
                "dreamdrop.mail.from", "dreamdrop@example.com"));
        return settings;
    }

    @Test
    void aPersonSetEndsWithItsTwoSamplesStoredMailedAndAnnounced() throws Exception {
        try (EventReceiver receiver = EventReceiver.start()) {
            Map<String, String> settings = withSamplesAndMail("4");
            settings.put("dreamdrop.events.urls", receiver.url());
            settings.put("dreamdrop.events.secret", EventReceiver.SECRET);
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                dreamDrop.dropSet("alex", 3, PERSON);
                await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length == 1);
                Job job = dreamDrop.journal().latestJob("folder", "alex").orElseThrow();

                List<RecordedRequest> asked = sandbox.requests(GENERATE);
                assertEquals(2, asked.size(), "one generation per prompt, each once");
                for (RecordedRequest request : asked) {
                    JsonNode body = json.readTree(request.body());
                    assertEquals(job.trainingId(), body.get("model_id").asText(), "the trained model");
                    assertTrue(body.get("prompt").asText().contains("sks"), "names the subject: " + body);
                    assertEquals("512", body.get("width").asText());
                }
                assertTrue(sandbox.requests(FETCH).size() >= 2, "each processing generation fetched");
                assertTrue(Duration.between(asked.get(0).at(), asked.get(1).at()).toMillis() >= 500,
                        "one generation in flight at a time (dreamdrop.samples.concurrency 1): the second was asked"
                                + " once the first, 500 ms long, was done");

                Path results = dreamDrop.results("alex");
                List<byte[]> served = new ArrayList<>(sandbox.generatedImages().values());
                assertArrayEquals(served.get(0), Files.readAllBytes(results.resolve("samples/01.png")));
                assertArrayEquals(served.get(1), Files.readAllBytes(results.resolve("samples/02.png")));
                assertArrayEquals(served.get(0), Files.readAllBytes(results.resolve("jobs/" + job.id()
                        + "/samples/01.png")), "the job's own folder too");
                await().atMost(Duration.ofSeconds(10)).until(() -> RunningDreamDrop.readJson(
                        results.resolve("status.json")).path("samples").path(1).path("state").asText().equals("stored"));
                JsonNode status = RunningDreamDrop.readJson(results.resolve("status.json"));
                assertEquals("model_ready", status.get("status").asText());
                assertEquals("samples/02.png", status.get("samples").get(1).get("file").asText());
                JsonNode model = RunningDreamDrop.readJson(results.resolve("model.json"));
                assertEquals(job.trainingId(), model.get("model_id").asText());
                assertEquals("photo of sks person", model.get("instance_prompt").asText());
                assertEquals(2, model.get("samples").size());
                assertEquals("photo of sks person, portrait in a park", model.get("samples").get(0).get("prompt")
                        .asText());
                assertEquals(1234, model.get("samples").get(0).get("seed").asLong());
                assertEquals(sandbox.baseUrl() + GENERATE, model.get("generate_more").get("endpoint").asText());
                assertFalse(Files.readString(results.resolve("model.json")).contains(RunningDreamDrop.API_KEY));

                MimeMessage email = smtp.getReceivedMessages()[0];
                assertEquals("[DreamDrop] alex: your model is ready", email.getSubject());
                Multipart related = (Multipart) ((Multipart) email.getContent()).getBodyPart(1).getContent();
                String html = (String) related.getBodyPart(0).getContent();
                for (String cid : List.of("sample-1@dreamdrop", "sample-2@dreamdrop")) {
                    assertTrue(html.contains("cid:" + cid), "the HTML shows " + cid);
                    BodyPart picture = part(related, cid);
                    assertTrue(picture.getContentType().startsWith("image/jpeg"));
                    assertTrue(picture.getInputStream().readAllBytes().length > 1000);
                }
                assertTrue(html.contains("sks person on a beach at sunset"), "the prompts beside the pictures");
                assertTrue(html.contains(job.trainingId()), "the model id");

                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.deliveries().stream()
                        .anyMatch(d -> d.event().path("type").asText().equals("training.samples_ready")));
                Thread.sleep(500);
                List<EventReceiver.Delivery> ready = receiver.deliveries().stream()
                        .filter(d -> d.event().path("type").asText().equals("training.samples_ready")).toList();
                assertEquals(1, ready.size(), "one samples_ready event");
                JsonNode samples = ready.get(0).event().get("data").get("samples");
                assertEquals(2, samples.size());
                assertTrue(samples.get(0).get("location").asText().endsWith("/alex/jobs/" + job.id()
                        + "/samples/01.png"), samples.toString());
            }
        }
    }

    private static BodyPart part(Multipart related, String cid) throws Exception {
        for (int i = 0; i < related.getCount(); i++) {
            String[] ids = related.getBodyPart(i).getHeader("Content-ID");
            if (ids != null && ids[0].equals("<" + cid + ">")) {
                return related.getBodyPart(i);
            }
        }
        throw new AssertionError("no part " + cid);
    }

    @Test
    void inTheBucketTheSamplesAreStoredBesideTheResults() throws Exception {
        try (RunningS3 s3 = new RunningS3()) {
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.put("dreamdrop.storage.sink", "s3");
            settings.put("dreamdrop.samples.count", "1");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                dreamDrop.dropSet("bucketed", 2, "instance_prompt: photo of sks person\n");
                await().atMost(Duration.ofSeconds(60)).until(() -> s3.keys("results/bucketed/samples/").size() == 1);
                Job job = dreamDrop.journal().latestJob("folder", "bucketed").orElseThrow();
                byte[] served = sandbox.generatedImages().values().iterator().next();
                for (String key : List.of("results/bucketed/samples/01.png",
                        "results/bucketed/jobs/" + job.id() + "/samples/01.png")) {
                    assertArrayEquals(served, s3.client().getObjectAsBytes(b -> b.bucket(RunningS3.BUCKET).key(key))
                            .asByteArray(), key);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !s3.keys("results/bucketed/model.json").isEmpty());
                assertEquals(job.trainingId(), json.readTree(s3.text("results/bucketed/model.json")).get("model_id")
                        .asText());
            }
        }
    }

    @Test
    void aSetDroppedAgainNoLongerShowsTheEarlierJobsSamplesInItsFolder() throws Exception {
        try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.samples.count",
                "1"))) {
            dreamDrop.dropSet("again", 2, "instance_prompt: photo of sks person\n");
            Path results = dreamDrop.results("again");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(results.resolve("samples/01.png")));
            Job first = dreamDrop.journal().latestJob("folder", "again").orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(results.resolve("model.json")));

            dreamDrop.dropSet("again", 2, "instance_prompt: photo of sks person\nsample_prompts: []\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> dreamDrop.journal().allJobs().stream()
                    .filter(job -> job.setName().equals("again") && job.status().equals("model_ready")).count() == 2);
            Job second = dreamDrop.journal().latestJob("folder", "again").orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> second.id().equals(RunningDreamDrop.readJson(
                    results.resolve("status.json")).path("job_id").asText()) && "model_ready".equals(
                    RunningDreamDrop.readJson(results.resolve("status.json")).path("status").asText()));

            assertFalse(Files.exists(results.resolve("samples/01.png")), "the set's folder shows the latest job only");
            assertFalse(Files.exists(results.resolve("model.json")), "a job without samples has no model.json");
            assertTrue(Files.exists(results.resolve("jobs/" + first.id() + "/samples/01.png")),
                    "the first job keeps its samples in its own folder");
            assertEquals(1, sandbox.requests(GENERATE).size(), "sample_prompts: [] asks for none");
        }
    }

    @Test
    void aLoraSetGeneratesWithItsTrainingIdAsTheLoraOnTheBaseModel() throws Exception {
        try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, withSamplesAndMail("1"))) {
            dreamDrop.dropSet("lora-alex", 2, "kind: lora\ninstance_prompt: photo of sks person\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dreamDrop.results("lora-alex")
                    .resolve("samples/01.png")));
            Job job = dreamDrop.journal().latestJob("folder", "lora-alex").orElseThrow();
            List<RecordedRequest> asked = sandbox.requests(GENERATE);
            assertEquals(1, asked.size(), "dreamdrop.samples.count caps the four object views at one");
            JsonNode body = json.readTree(asked.get(0).body());
            assertEquals(job.trainingId(), body.get("lora_model").asText());
            assertEquals("realistic-vision-v51", body.get("model_id").asText(), "dreamdrop.samples.lora-base-model");
            assertEquals("photo of sks person, product photo on a white background, studio lighting",
                    body.get("prompt").asText(), "an object set (training_type null): the first view");
        }
    }

    @Test
    void aGenerationStillProcessingAtTheDeadlineLetsTheEmailGoWithoutIt() throws Exception {
        sandbox.stallGenerations(1);
        Map<String, String> settings = withSamplesAndMail("1");
        settings.put("dreamdrop.samples.deadline", "3s");
        try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
            dreamDrop.dropSet("slow", 2, "instance_prompt: photo of sks person\ntraining_type: men\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length == 1);

            String text = (String) ((Multipart) smtp.getReceivedMessages()[0].getContent()).getBodyPart(0)
                    .getContent();
            assertTrue(text.contains("1 of 1 sample image(s) could not be made"), text);
            assertTrue(text.contains("still being generated by the training API"), text);
            assertEquals(1, sandbox.requests(GENERATE).size(), "fetched, never ordered again");
            assertTrue(sandbox.requests(FETCH).size() >= 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> RunningDreamDrop.readJson(dreamDrop.results("slow")
                    .resolve("status.json")).path("samples").path(0).path("state").asText().equals("failed"));
            assertEquals("model_ready", dreamDrop.status("slow").get("status").asText());
            assertFalse(Files.exists(dreamDrop.results("slow").resolve("samples")));
        }
    }

    @Test
    void killedWhileAGenerationIsProcessingTheRestartFetchesItAndOrdersNothingTwice() throws Exception {
        sandbox.generationTiming(Duration.ofSeconds(6), Duration.ofMillis(500));
        Map<String, String> settings = Map.of("dreamdrop.samples.count", "1",
                "dreamdrop.samples.poll-interval", "200ms");
        RunningDreamDrop.dropSet(data.resolve("inbox"), "killed", 2, "instance_prompt: photo of sks person\n");
        DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", settings);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.requests(GENERATE).size() == 1);
            // the answer (processing, with its id) is journalled right after the sandbox recorded the request
            Thread.sleep(500);
        } finally {
            first.kill();
        }
        assertFalse(Files.exists(data.resolve("results/killed/samples/01.png")), "killed before the picture was ready");

        try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve(
                    "results/killed/samples/01.png")));
        }
        assertEquals(1, sandbox.requests(GENERATE).size(), "the restart fetched it, and ordered nothing");
        assertArrayEquals(sandbox.generatedImages().values().iterator().next(),
                Files.readAllBytes(data.resolve("results/killed/samples/01.png")));
    }
}
