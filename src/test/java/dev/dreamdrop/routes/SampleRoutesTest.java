package dev.dreamdrop.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.samples.Sample;
import dev.dreamdrop.samples.SampleStore;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation route of routes/generate-samples.camel.yaml against the sandbox: a full queue (429) is waited out
 * and the sample made; a {@code failed} generation is not ordered again.
 */
class SampleRoutesTest extends DreamDropRouteTest {

    private static final String GENERATE = "/api/v6/images/text2img";
    private static final String MANIFEST = "instance_prompt: photo of sks person\nsample_prompts:\n"
            + "  - \"{instance_prompt}, in a park\"\n";

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.samples.count", "1");
    }

    @Test
    void aFullQueueIsWaitedOutAndTheSampleIsMadeOnce() throws Exception {
        startDreamDrop();
        sandbox.generationTiming(Duration.ofMillis(300), Duration.ofMillis(300));
        sandbox.retryAfterSeconds(1);
        sandbox.failNextCallsTo(GENERATE, ResponseFault.RATE_LIMITED);
        int before = sandbox.requests(GENERATE).size();
        int picturesBefore = sandbox.generatedImages().size();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "queued", 2, MANIFEST);

        await().atMost(Duration.ofSeconds(60)).until(() -> hasSample("queued", Sample.STORED));
        List<RecordedRequest> asked = sandbox.requests(GENERATE).subList(before, sandbox.requests(GENERATE).size());
        assertEquals(2, asked.size(), "refused with retry_after, then taken: no other request");
        assertTrue(Duration.between(asked.get(0).at(), asked.get(1).at()).toMillis() >= 900,
                "retry_after (1 s) was waited out");
        Job job = job("queued");
        JsonNode sent = json.readTree(asked.get(1).body());
        assertEquals(job.trainingId(), sent.get("model_id").asText());
        assertEquals("photo of sks person, in a park", sent.get("prompt").asText());
        assertArrayEquals(List.copyOf(sandbox.generatedImages().values()).get(picturesBefore),
                Files.readAllBytes(data.resolve("results/queued/samples/01.png")), "the picture the sandbox served");
    }

    @Test
    void aFailedGenerationIsNotOrderedAgain() throws Exception {
        startDreamDrop();
        sandbox.generationTiming(Duration.ofMillis(200), Duration.ZERO);
        sandbox.failGenerations(1);
        int before = sandbox.requests(GENERATE).size();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "unlucky", 2, MANIFEST);

        await().atMost(Duration.ofSeconds(60)).until(() -> hasSample("unlucky", Sample.FAILED));
        assertTrue(sandbox.requests("/api/v6/images/fetch").size() >= 1, "asked, then fetched");
        assertTrue(sample("unlucky").error().contains("Failed, Try Again"), sample("unlucky").error());
        Thread.sleep(500);
        assertEquals(1, sandbox.requests(GENERATE).size() - before, "the failed generation was not ordered again");
        await().atMost(Duration.ofSeconds(10)).until(() -> RunningDreamDrop.readJson(
                data.resolve("results/unlucky/status.json")).path("samples").path(0).path("state").asText()
                .equals("failed"));
        assertEquals("model_ready", RunningDreamDrop.readJson(data.resolve("results/unlucky/status.json"))
                .get("status").asText(), "a failed sample leaves the model ready");
    }

    private boolean hasSample(String set, String state) {
        return journal().allJobs().stream().anyMatch(j -> j.setName().equals(set)) && !samplesOf(set).isEmpty()
                && state.equals(sample(set).state());
    }

    private List<Sample> samplesOf(String set) {
        return context.getRegistry().lookupByNameAndType("sampleStore", SampleStore.class).ofJob(job(set).id());
    }

    private Sample sample(String set) {
        return context.getRegistry().lookupByNameAndType("sampleStore", SampleStore.class).ofJob(job(set).id()).get(0);
    }

    private Job job(String set) {
        return journal().allJobs().stream().filter(j -> j.setName().equals(set)).findFirst().orElseThrow();
    }
}
