package dev.dreamdrop.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.testing.CapturedLog;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The S3 routes against a real S3 API (S3Proxy): intake-s3 claims, s3-objects stages, moves, publishes and
 * signs, sink-s3 stores the results. Each test uses sets of its own names in one bucket.
 */
class S3RoutesTest extends DreamDropRouteTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\ntraining_type: men\n";
    private static RunningS3 s3;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void startS3() throws Exception {
        s3 = new RunningS3();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @Override
    protected Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(s3.settings());
        settings.put("dreamdrop.intake", "folder,s3");
        settings.put("dreamdrop.storage.sink", "s3");
        settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
        settings.put("dreamdrop.inbox.watch", "false");
        settings.put("dreamdrop.outbox.retry-initial-delay", "100ms");
        settings.put("dreamdrop.outbox.retry-max-delay", "500ms");
        return settings;
    }

    @Override
    public void configureContext(CamelContextConfiguration contextConfiguration) {
        super.configureContext(contextConfiguration);
        contextConfiguration.withMockEndpoints("direct:put-an-object-into-the-bucket"
                + "|direct:download-an-object-into-the-staging-folder|direct:move-an-object-within-the-bucket"
                + "|direct:sign-a-download-link-for-an-object");
    }

    @Test
    void aSetUploadedWithReadyIsStagedMovedPublishedAndStoredThroughTheS3Routes() throws Exception {
        startDreamDrop();
        NotifyBuilder claimed = new NotifyBuilder(context).fromRoute("claim-ready-sets-from-the-s3-inbox")
                .filter(exchange -> !exchange.getIn().getBody(List.class).isEmpty()).whenCompleted(1).create();

        s3.upload(localSet("uploaded", 4), "inbox/uploaded/", true);

        assertTrue(claimed.matches(20, TimeUnit.SECONDS));
        s3.awaitStatus("uploaded", "model_ready");
        // four photos, the manifest and READY: each downloaded once, each moved once
        assertEquals(6, mock("download-an-object-into-the-staging-folder").getReceivedCounter());
        assertEquals(6, mock("move-an-object-within-the-bucket").getReceivedCounter());
        assertEquals(4, mock("sign-a-download-link-for-an-object").getReceivedCounter());
        assertEquals(List.of("archive/uploaded/READY", "archive/uploaded/photo-01.jpg", "archive/uploaded/photo-02.jpg",
                "archive/uploaded/photo-03.jpg", "archive/uploaded/photo-04.jpg", "archive/uploaded/training.yaml"),
                s3.keys("archive/uploaded/"));
        assertTrue(s3.keys("inbox/uploaded/").isEmpty());
        String trainingId = json.readTree(s3.text("results/uploaded/status.json")).get("training_id").asText();
        assertEquals(4, sandbox.imageFetches().stream().filter(fetch -> fetch.trainingId().equals(trainingId)
                && fetch.url().startsWith(s3.endpoint()) && fetch.isUsable()).count(),
                "the API fetched the four photos from the presigned links");
        long puts = mock("put-an-object-into-the-bucket").getReceivedCounter();
        assertTrue(puts >= 4 + 3, "four prepared photos and the three results documents at least: " + puts);
        await().atMost(Duration.ofSeconds(5)).until(() -> s3.keys("prepared/").isEmpty());
    }

    @Test
    void aKeyContainingAnExpressionIsNeverEvaluated() throws Exception {
        try (CapturedLog log = CapturedLog.capture()) {
            startDreamDrop();
            Path set = localSet("expression", 3);
            Files.copy(set.resolve("photo-01.jpg"), set.resolve("odd${sys.java.specification.version}.jpg"));
            s3.upload(set, "inbox/expression/", true);
            RunningDreamDrop.dropSet(data.resolve("inbox"), "folder${sys.user.name}", 3, MANIFEST);

            s3.awaitStatus("expression", "model_ready");
            s3.awaitStatus("folder$_{sys.user.name}", "model_ready");
            assertEquals(List.of("inbox/expression/odd${sys.java.specification.version}.jpg"),
                    s3.keys("inbox/expression/"), "left where it was, under its own name");
            assertEquals(5, s3.keys("archive/expression/").size(), "the other photos, the manifest and READY");
            String version = System.getProperty("java.specification.version");
            String user = System.getProperty("user.name");
            for (String key : s3.keys("")) {
                assertTrue(!key.contains("odd" + version) && !key.contains("folder" + user), key);
            }
            assertTrue(log.lines().stream().anyMatch(line -> line.contains("odd${sys.java.specification.version}.jpg"
                    + " is left where it is")), "the warning names the object");
        }
    }

    @Test
    void dreamDropStartsWhileTheBucketIsAwayAndStoresTheResultsOnceItIsBack() throws Exception {
        s3.stop();
        try {
            startDreamDrop();
            assertEquals(ServiceStatus.Started, context.getStatus());
            NotifyBuilder failedPut = new NotifyBuilder(context).from("direct:put-an-object-into-the-bucket")
                    .whenFailed(1).create();
            RunningDreamDrop.dropSet(data.resolve("inbox"), "while-away", 3, MANIFEST);
            assertTrue(failedPut.matches(20, TimeUnit.SECONDS), "the results could not be stored yet");
        } finally {
            s3.start();
        }
        s3.awaitStatus("while-away", "model_ready");
        String events = s3.text("results/while-away/events.jsonl");
        assertTrue(events.contains("\"submitting\"") && events.contains("\"model_ready\""), events);
    }

    private MockEndpoint mock(String route) {
        return getMockEndpoint("mock:direct:" + route);
    }

    private Path localSet(String name, int photos) throws Exception {
        Path dir = data.resolve("upload").resolve(name);
        TestPhotos.writeSet(dir, photos);
        Files.writeString(dir.resolve("training.yaml"), MANIFEST);
        return dir;
    }
}
