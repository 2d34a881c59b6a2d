package dev.dreamdrop.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.testing.CapturedLog;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.vendor.VendorUploads;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vendor hosting's steps in the routes: the uploads of routes/submit.camel.yaml (retried like the training request,
 * none twice) and the deletes of routes/vendor-uploads.camel.yaml (retried, then parked for an operator).
 */
class VendorUploadRoutesTest extends DreamDropRouteTest {

    private static final String UPLOAD = "/api/v3/base64_crop";
    private static final String SUBMIT_ROUTE = "submit-each-training-retrying-while-the-api-is-busy";
    private static final String DELETE_ROUTE = "delete-one-vendor-hosted-photo";

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Map<String, String> settings() {
        // no public URL and no bucket: hosting auto is the vendor's storage, and the status comes by polling
        return Map.of("dreamdrop.public-url", "", "dreamdrop.poll.interval", "200ms",
                "dreamdrop.intake.concurrency", "1",
                "dreamdrop.images.vendor.delete-poll-interval", "100ms",
                "dreamdrop.images.vendor.delete-max-attempts", "2",
                "dreamdrop.images.vendor.delete-retry-initial-delay", "100ms",
                "dreamdrop.images.vendor.delete-retry-max-delay", "100ms");
    }

    @Test
    void aRateLimitedSecondUploadIsRetriedAndNoPhotoIsUploadedTwice() throws Exception {
        startDreamDrop();
        sandbox.retryAfterSeconds(0);
        sandbox.failNextCallsTo(UPLOAD, null, ResponseFault.RATE_LIMITED);
        NotifyBuilder submitted = new NotifyBuilder(context).fromRoute(SUBMIT_ROUTE).whenCompleted(1).create();
        int before = sandbox.requests(UPLOAD).size();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "patient", 3, "instance_prompt: photo of patient person\n");

        assertTrue(submitted.matches(30, TimeUnit.SECONDS), "the submission completed");
        List<RecordedRequest> uploads = sandbox.requests(UPLOAD).subList(before, sandbox.requests(UPLOAD).size());
        assertEquals(4, uploads.size(), "three photos, the second one twice: refused, then taken");
        Set<String> photos = uploads.stream().map(this::image).collect(Collectors.toSet());
        assertEquals(3, photos.size(), "the first photo was not uploaded again after the refusal");
        assertEquals(image(uploads.get(1)), image(uploads.get(2)), "the refused photo was the one retried");

        Job job = job("patient");
        List<RecordedRequest> trainings = sandbox.requests("/api/v3/fine_tune").stream()
                .filter(r -> r.body().contains("photo of patient person")).toList();
        assertEquals(1, trainings.size(), "one training request");
        JsonNode sent = json.readTree(trainings.get(0).body());
        assertEquals(3, sent.get("images").size());
        sent.get("images").forEach(link -> assertTrue(link.asText().startsWith(sandbox.baseUrl() + "/generations/"),
                "a link of the vendor's storage: " + link));
        assertEquals("", sent.get("webhook").asText(), "no public URL, no webhook");
        assertEquals(sent.get("images"), json.readTree(job.requestJson()).get("images"),
                "the journalled request has the links as sent");
    }

    @Test
    void anUploadWithoutAnAnswerIsMadeAgainAndTheCopyWithoutAnIdIsSaidToStay() throws Exception {
        startDreamDrop();
        sandbox.failNextCallsTo(UPLOAD, ResponseFault.ACCEPT_WITHOUT_ANSWER);
        int stored = sandbox.storedImages();
        int before = sandbox.requests(UPLOAD).size();
        try (CapturedLog log = CapturedLog.capture()) {
            RunningDreamDrop.dropSet(data.resolve("inbox"), "unanswered", 2, "instance_prompt: photo of lost person\n");

            await().atMost(Duration.ofSeconds(30)).until(() -> "model_ready".equals(job("unanswered").status()));
            await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.storedImages() - stored == 1);
            assertEquals(3, sandbox.requests(UPLOAD).size() - before, "the unanswered upload, made again, and the other");
            assertTrue(log.lines().stream().anyMatch(line -> line.contains("Set unanswered (")
                    && line.contains("without an id to delete it with")), "the WARN says a copy may stay");
        }
        assertEquals(1, sandbox.storedImages() - stored, "the copy whose id never came back is left on the storage");
    }

    @Test
    void aRefusedDeleteIsRetriedThenParkedForOperators() throws Exception {
        AdviceWith.adviceWith(context, DELETE_ROUTE, route -> route.weaveByToUri("direct:call-the-training-api")
                .replace().to("mock:delete-image"));
        MockEndpoint deletes = getMockEndpoint("mock:delete-image");
        deletes.whenAnyExchangeReceived(exchange -> exchange.getMessage().setBody(new ApiResult(
                ApiResult.Outcome.PERMANENT, 200, null, "Image not found", null)));
        deletes.expectedMessageCount(2 * 2);
        startDreamDrop();
        int stored = sandbox.storedImages();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "kept", 2, "instance_prompt: photo of sks person\n");

        deletes.assertIsSatisfied(30_000);
        VendorUploads uploads = context.getRegistry().lookupByNameAndType("vendorUploads", VendorUploads.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> uploads.countByState().getOrDefault("parked", 0L) == 2);
        JsonNode parked = uploads.parked();
        assertEquals("kept", parked.get(0).get("set").asText());
        assertEquals("Image not found", parked.get(0).get("last_error").asText());
        assertEquals(2, parked.get(0).get("attempts").asInt());
        Thread.sleep(300);
        assertEquals(4, deletes.getReceivedCounter(), "parked: no more attempts until an operator says so");

        // the operator retries one: it is tried again, twice, and parked again
        assertTrue(uploads.retry(parked.get(0).get("id").asLong()));
        await().atMost(Duration.ofSeconds(10)).until(() -> deletes.getReceivedCounter() == 6
                && uploads.countByState().getOrDefault("parked", 0L) == 2);
        assertEquals(2, sandbox.storedImages() - stored, "nothing was deleted at the vendor's storage");
    }

    private String image(RecordedRequest request) {
        try {
            return json.readTree(request.body()).get("image").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Job job(String set) {
        return journal().allJobs().stream().filter(j -> j.setName().equals(set)).findFirst().orElseThrow();
    }
}
