package dev.dreamdrop.routes;

import dev.dreamdrop.journal.Job;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.testing.CapturedLog;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * routes/submit.camel.yaml and its routeConfiguration in error-handling.camel.yaml: Camel redelivers whole
 * attempts, waits what the API asks without holding a thread, and no attempt ever sends a request twice.
 */
class SubmitRouteTest extends DreamDropRouteTest {

    private static final String FINE_TUNE = "/api/v3/fine_tune";
    private static final String SUBMIT_ROUTE = "submit-each-training-retrying-while-the-api-is-busy";

    @Override
    protected Map<String, String> settings() {
        // an answer slower than the timeout is an unknown outcome: the timeout is well above what a loaded CI
        // machine takes to answer, the test that wants one makes the sandbox slower still
        return Map.of("dreamdrop.intake.concurrency", "1", "dreamdrop.api.timeout", "3s",
                "dreamdrop.api.max-attempts", "3");
    }

    @Override
    public void configureContext(CamelContextConfiguration contextConfiguration) {
        super.configureContext(contextConfiguration);
        contextConfiguration.withMockEndpoints("direct:call-the-training-api");
    }

    @Test
    void aFailureAfterASuccessfulCallIsRedeliveredWithoutASecondRequest() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        AdviceWith.adviceWith(context, "attempt-one-submission", route -> route
                .weaveByToUri("direct:call-the-training-api").after().process(exchange -> {
                    if (failed.compareAndSet(false, true)) {
                        throw new IllegalStateException("the journal is unreachable for a moment");
                    }
                }));
        startDreamDrop();
        NotifyBuilder submitted = new NotifyBuilder(context).fromRoute(SUBMIT_ROUTE).whenCompleted(1).create();
        int before = fineTuneRequests().size();

        drop("once", "photo of sks person");

        assertTrue(submitted.matches(30, TimeUnit.SECONDS), "redelivered, and then completed");
        assertTrue(failed.get());
        assertEquals(1, fineTuneRequests().size() - before, "the redelivered attempt did not call the API again");
        assertNotNull(job("once").apiCalledAt(), "the training is left to its webhooks, or the restart");
    }

    @Test
    void everyRequestTheApiSawIsAnAttemptCamelCounted() throws Exception {
        startDreamDrop();
        MockEndpoint calls = getMockEndpoint("mock:direct:call-the-training-api");
        calls.expectedMessageCount(3);
        sandbox.failNextTrainingRequests(1, ResponseFault.SERVER_ERROR);
        sandbox.failNextTrainingRequests(1, ResponseFault.RATE_LIMITED);
        sandbox.retryAfterSeconds(0);
        int before = fineTuneRequests().size();

        drop("third-time", "photo of sks person");

        calls.assertIsSatisfied(20_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> job("third-time").trainingId() != null);
        assertEquals(3, fineTuneRequests().size() - before, "no retry of the HTTP client's own");
        assertEquals(2.0, context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class)
                .counter("dreamdrop.api.retries").count());
    }

    @Test
    void retryAfterIsWaitedOutWhileTheNextSetIsSubmitted() throws Exception {
        startDreamDrop();
        sandbox.retryAfterSeconds(2);
        sandbox.failNextTrainingRequests(1, ResponseFault.RATE_LIMITED);
        int before = fineTuneRequests().size();

        drop("waits", "photo of first person");
        await().atMost(Duration.ofSeconds(20)).until(() -> fineTuneRequests().size() - before == 1);
        drop("goes-ahead", "photo of second person");
        await().atMost(Duration.ofSeconds(20)).until(() -> fineTuneRequests().size() - before == 3);

        List<RecordedRequest> sent = fineTuneRequests().subList(before, before + 3);
        assertTrue(sent.get(0).body().contains("photo of first person"));
        assertTrue(sent.get(1).body().contains("photo of second person"), "submitted during the first one's wait,"
                + " with one consumer: the wait holds no thread");
        assertTrue(sent.get(2).body().contains("photo of first person"));
        Duration waited = Duration.between(sent.get(0).at(), sent.get(2).at());
        assertTrue(waited.compareTo(Duration.ofSeconds(2)) >= 0, "retry_after honoured, waited " + waited);
        await().atMost(Duration.ofSeconds(20)).until(() -> job("waits").trainingId() != null
                && job("goes-ahead").trainingId() != null);
    }

    @Test
    void aStopDuringARateLimitWaitAndARestartGiveExactlyOneTraining() throws Exception {
        startDreamDrop();
        sandbox.retryAfterSeconds(30);
        sandbox.failNextTrainingRequests(1, ResponseFault.RATE_LIMITED);
        int before = fineTuneRequests().size();
        int trainings = sandbox.trainingIds().size();
        drop("interrupted", "photo of sks person");
        await().atMost(Duration.ofSeconds(20)).until(() -> fineTuneRequests().size() - before == 1
                && job("interrupted").apiCalledAt() == null);

        Duration shutdownTimeout = Duration.ofSeconds(context.getShutdownStrategy().getTimeout());
        long stopping = System.nanoTime();
        context.stop();
        Duration stop = Duration.ofNanos(System.nanoTime() - stopping);
        assertTrue(stop.compareTo(shutdownTimeout) < 0, "the stop waited for the 30 s retry_after until the"
                + " shutdown timeout (" + shutdownTimeout + "): " + stop);

        // the same public URL: the journalled request names it for the photos and the webhooks
        try (RunningDreamDrop restarted = RunningDreamDrop.start(data, sandbox, Map.of("camel.server.port",
                setting("camel.server.port"), "dreamdrop.public-url", publicUrl()))) {
            restarted.awaitStatus("interrupted", "model_ready");
        }
        assertEquals(2, fineTuneRequests().size() - before, "the limited request, then one after the restart");
        assertEquals(trainings + 1, sandbox.trainingIds().size(), "exactly one training");
    }

    @Test
    void theKeyIsInNoLogLineOnTheTimeoutUnknownOutcomeAndExhaustedPaths() throws Exception {
        startDreamDrop();
        try (CapturedLog log = CapturedLog.capture()) {
            sandbox.failNextTrainingRequests(3, ResponseFault.SERVER_ERROR);
            drop("exhausted", "photo of sks person");
            await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(job("exhausted").status()));
            assertTrue(job("exhausted").error().contains("unavailable for 3 attempts"), job("exhausted").error());

            sandbox.latency(Duration.ofMillis(4500));
            drop("times-out", "photo of sks person");
            // the training's first webhook settles an unknown outcome at once: the log says it was one
            await().atMost(Duration.ofSeconds(20)).until(() -> judgedUnknown(log, "times-out"));
            // the sandbox starts that training once its slow answer is out: not during the class's next test
            await().atMost(Duration.ofSeconds(20)).until(() -> job("times-out").trainingId() != null);
            sandbox.latency(Duration.ZERO);

            sandbox.failNextTrainingRequests(1, ResponseFault.ACCEPT_WITHOUT_ANSWER);
            drop("no-answer", "photo of sks person");
            await().atMost(Duration.ofSeconds(20)).until(() -> judgedUnknown(log, "no-answer"));


            assertFalse(log.lines().isEmpty());
            for (String line : log.lines()) {
                assertFalse(line.contains(RunningDreamDrop.API_KEY), "the key in a log line: " + line);
            }
        }
    }

    private static boolean judgedUnknown(CapturedLog log, String set) {
        return log.lines().stream().anyMatch(line -> line.contains("Set " + set + " (")
                && line.contains("outcome of the submission unknown"));
    }

    private void drop(String set, String instancePrompt) throws Exception {
        RunningDreamDrop.dropSet(data.resolve("inbox"), set, 3, "instance_prompt: " + instancePrompt
                + "\ntraining_type: men\n");
    }

    private Job job(String set) {
        return journal().allJobs().stream().filter(j -> j.setName().equals(set)).findFirst().orElseThrow();
    }

    private static List<RecordedRequest> fineTuneRequests() {
        return sandbox.requests(FINE_TUNE);
    }
}
