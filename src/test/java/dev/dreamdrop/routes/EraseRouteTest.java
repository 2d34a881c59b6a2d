package dev.dreamdrop.routes;

import dev.dreamdrop.journal.Job;
import dev.dreamdrop.retention.Erasures;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The erasure routes of routes/erase.camel.yaml: a step that fails is retried from that step, the steps done before
 * it never repeated; a model the training API will not delete is retried, then parked with the API's words, and
 * asking again finishes the erasure.
 */
class EraseRouteTest extends DreamDropRouteTest {

    private static final String ROUTE = "erase-one-job-step-by-step";
    private static final String MANIFEST = "instance_prompt: photo of sks person\n";

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.erase.poll-interval", "100ms", "dreamdrop.erase.retry-initial-delay", "100ms",
                "dreamdrop.erase.retry-max-delay", "200ms", "dreamdrop.erase.max-attempts", "2");
    }

    @Test
    void aStepThatFailsIsRetriedFromThatStepAndTheModelIsDeletedOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AdviceWith.adviceWith(context, ROUTE, route -> route.weaveByToUri("direct:remove-a-jobs-results-in-*")
                .before().process(exchange -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("the results sink is away");
                    }
                }).to("mock:results-removed"));
        MockEndpoint removed = getMockEndpoint("mock:results-removed");
        startDreamDrop();
        Job job = trainedSet("brief");

        erasures().request(job.id(), Erasures.EVERYTHING);

        removed.expectedMessageCount(1);
        removed.assertIsSatisfied(30_000);
        Erasures.State tombstone = awaitState(job, "done");
        assertEquals(2, attempts.get(), "failed once, then done");
        assertEquals(1, tombstone.attempts());
        assertEquals(1, sandbox.requests("/api/v3/finetune/delete/" + job.trainingId()).size(),
                "the model deleted once: its step was done before the failure");
        assertFalse(Files.exists(data.resolve("archive/brief")));
        assertFalse(Files.exists(data.resolve("results/brief/status.json")));
    }

    @Test
    void aModelTheApiWillNotDeleteIsParkedWithItsWordsAndAskingAgainFinishesTheErasure() throws Exception {
        startDreamDrop();
        Job job = trainedSet("stubborn");
        String deletePath = "/api/v3/finetune/delete/" + job.trainingId();
        sandbox.failNextCallsTo(deletePath, ResponseFault.INSUFFICIENT_CREDITS, ResponseFault.INSUFFICIENT_CREDITS);

        erasures().request(job.id(), Erasures.EVERYTHING);

        Erasures.State parked = awaitState(job, "parked");
        assertEquals(2, parked.attempts());
        assertTrue(parked.lastError().contains("did not delete model " + job.trainingId() + ": Insufficient credits"),
                parked.lastError());
        assertTrue(parked.stepsDone().isEmpty());
        assertTrue(Files.exists(data.resolve("archive/stubborn")), "nothing after the model's deletion was done");
        assertEquals(2, sandbox.requests("/api/v3/finetune_list").size(), "each refusal checked against the list");

        erasures().request(job.id(), Erasures.EVERYTHING);

        awaitState(job, "done");
        assertEquals(3, sandbox.requests(deletePath).size());
        assertFalse(Files.exists(data.resolve("archive/stubborn")));
    }

    private Job trainedSet(String name) throws Exception {
        RunningDreamDrop.dropSet(data.resolve("inbox"), name, 2, MANIFEST);
        RunningDreamDrop.awaitStatus(data, name, "model_ready");
        return journal().latestJob("folder", name).orElseThrow();
    }

    private Erasures erasures() {
        return context.getRegistry().lookupByNameAndType("erasures", Erasures.class);
    }

    private Erasures.State awaitState(Job job, String state) {
        await().atMost(Duration.ofSeconds(30)).until(() -> erasures().of(job.id()).orElseThrow().state().equals(state));
        return erasures().of(job.id()).orElseThrow();
    }
}
