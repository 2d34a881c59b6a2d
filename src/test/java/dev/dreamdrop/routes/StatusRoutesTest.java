package dev.dreamdrop.routes;

import dev.dreamdrop.sandbox.WebhookFault;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The routes that take a training from its submission to its results: intake-folder, status-router, sink-folder,
 * poll-quiet-trainings and serve-prepared-images.
 */
class StatusRoutesTest extends DreamDropRouteTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\ntraining_type: men\n";

    @Override
    protected Map<String, String> settings() {
        // only the periodic scan, so that what is asserted is the scan route
        return Map.of("dreamdrop.inbox.watch", "false", "dreamdrop.poll.interval", "200ms",
                "dreamdrop.poll.quiet-after", "300ms", "dreamdrop.outbox.retry-initial-delay", "100ms");
    }

    @Override
    public void configureContext(CamelContextConfiguration contextConfiguration) {
        super.configureContext(contextConfiguration);
        contextConfiguration.withMockEndpoints("direct:store-results-in-folder|direct:call-the-training-api");
    }

    @Test
    void aSetDroppedInTheInboxIsClaimedByTheScanAndEndsWithItsResults() throws Exception {
        startDreamDrop();
        NotifyBuilder claimed = new NotifyBuilder(context).fromRoute("prepare-each-claimed-set-and-queue-its-training")
                .whenCompleted(1).create();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "scanned", 3, MANIFEST);

        assertTrue(claimed.matches(20, TimeUnit.SECONDS));
        RunningDreamDrop.awaitStatus(data, "scanned", "model_ready");
        assertTrue(Files.isDirectory(data.resolve("archive/scanned")));
    }

    @Test
    void aSinkFailureIsRetriedFromTheOutboxUntilTheResultsAreWritten() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        AdviceWith.adviceWith(context, "route-one-jobs-status-changes-to-every-sink", route -> route
                .weaveByToUri("direct:store-results-in-*").before().process(exchange -> {
                    if (failures.incrementAndGet() <= 2) {
                        throw new IllegalStateException("the results disk is full for a moment");
                    }
                }));
        startDreamDrop();
        MockEndpoint sink = getMockEndpoint("mock:direct:store-results-in-folder");

        RunningDreamDrop.dropSet(data.resolve("inbox"), "stored-late", 3, MANIFEST);

        RunningDreamDrop.awaitStatus(data, "stored-late", "model_ready");
        assertTrue(failures.get() > 2, "failed twice, then tried again");
        assertTrue(sink.getReceivedCounter() >= 1);
        String events = Files.readString(data.resolve("results/stored-late/events.jsonl"));
        assertTrue(events.contains("\"submitting\"") && events.contains("\"model_ready\""), events);
    }

    @Test
    void aTrainingWhoseWebhooksAreLostIsPolledToItsEnd() throws Exception {
        startDreamDrop();
        sandbox.webhookFault(WebhookFault.DROP, Integer.MAX_VALUE);
        try {
            MockEndpoint apiCalls = getMockEndpoint("mock:direct:call-the-training-api");
            RunningDreamDrop.dropSet(data.resolve("inbox"), "polled", 3, MANIFEST);

            RunningDreamDrop.awaitStatus(data, "polled", "model_ready");
            assertTrue(apiCalls.getReceivedExchanges().stream().anyMatch(exchange -> exchange.getMessage()
                    .getBody(dev.dreamdrop.api.ApiRequest.class).path().contains("fine_tune_status/")));
        } finally {
            sandbox.clearFaults();
        }
    }

    @Test
    void aPreparedPhotoIsServedOnlyWithItsToken() throws Exception {
        startDreamDrop();
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<byte[]> unknown = http.send(HttpRequest.newBuilder(URI.create(publicUrl()
                + "/images/no-such-token/01.jpg")).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(404, unknown.statusCode());
    }
}
