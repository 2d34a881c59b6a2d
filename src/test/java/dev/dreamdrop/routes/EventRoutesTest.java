package dev.dreamdrop.routes;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.EventReceiver;
import dev.dreamdrop.testing.RunningDreamDrop;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** routes/sink-events.camel.yaml: each status change signed, POSTed once per attempt, retried from the outbox. */
class EventRoutesTest extends DreamDropRouteTest {

    private static final String DELIVER_ROUTE = "sign-and-deliver-one-status-event";
    private static EventReceiver receiver;

    @BeforeAll
    static void startReceiver() {
        receiver = EventReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.events.urls", receiver.url(), "dreamdrop.events.secret", EventReceiver.SECRET,
                "dreamdrop.events.poll-interval", "50ms", "dreamdrop.events.retry-initial-delay", "100ms",
                "dreamdrop.events.retry-max-delay", "200ms");
    }

    @Override
    public void configureContext(CamelContextConfiguration contextConfiguration) {
        super.configureContext(contextConfiguration);
        contextConfiguration.withMockEndpoints("http://status-event-receiver*");
    }

    @Test
    void aDeliveryThatCannotConnectIsRetriedAndTheReceiverGetsEachEventOnceInOrder() throws Exception {
        AtomicInteger refusals = new AtomicInteger(2);
        AdviceWith.adviceWith(context, DELIVER_ROUTE, route -> route
                .weaveByToUri("http://status-event-receiver*").before().process(exchange -> {
                    if (refusals.getAndDecrement() > 0) {
                        throw new ConnectException("Connection refused");
                    }
                }));
        startDreamDrop();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "advised", 3, "instance_prompt: photo of sks person\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> journal().latestJob("folder", "advised")
                .map(job -> TrainingStatus.MODEL_READY.equals(job.status())).orElse(false)
                && receiver.accepted().size() >= routed().size());

        List<String> statuses = routed().stream().map(StatusChange::status).toList();
        assertEquals(statuses, receiver.deliveries().stream().map(d -> d.event().path("data").path("status")
                .asText()).toList(), "each once, in order, after the refused attempts");
        assertTrue(receiver.deliveries().stream().allMatch(EventReceiver.Delivery::verified));
        MockEndpoint posts = getMockEndpoint("mock:http:status-event-receiver");
        assertEquals(statuses.size(), posts.getReceivedCounter(), "one POST per delivery: no hidden retries");
        assertEquals(2.0, context.getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class)
                .find("dreamdrop.events.retried").counter().count());
    }

    private List<StatusChange> routed() {
        Journal journal = journal();
        return journal.events(journal.latestJob("folder", "advised").orElseThrow().id()).stream()
                .filter(change -> change.applied() && !change.status().equals(TrainingStatus.CLAIMED)).toList();
    }
}
