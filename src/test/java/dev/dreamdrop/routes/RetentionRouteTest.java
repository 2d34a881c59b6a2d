package dev.dreamdrop.routes;

import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retention route of routes/retention.camel.yaml: a step that fails (the results sink, here) leaves the set's
 * photos due, and the next run deletes them; deleted once, they are not taken again.
 */
class RetentionRouteTest extends DreamDropRouteTest {

    private static final String ROUTE = "delete-the-photos-of-trainings-that-ended-longer-ago-than-their-retention";

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.retention.photos", "1s", "dreamdrop.retention.check-interval", "300ms");
    }

    @Test
    void aFailedRunLeavesThePhotosDueAndTheNextDeletesThemOnce() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AdviceWith.adviceWith(context, ROUTE, route -> route.weaveByToUri("direct:remove-a-results-file-in-*")
                .before().process(exchange -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("the results sink is away");
                    }
                }).to("mock:results-file-removed"));
        MockEndpoint removed = getMockEndpoint("mock:results-file-removed");
        startDreamDrop();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "brief", 2, "instance_prompt: photo of sks person\n");
        RunningDreamDrop.awaitStatus(data, "brief", "model_ready");

        removed.expectedMessageCount(1);
        removed.assertIsSatisfied(30_000);
        assertTrue(attempts.get() >= 2, "failed once, then done");
        assertEquals(0, photos(data.resolve("archive/brief")));
        Thread.sleep(1000);
        assertEquals(1, removed.getReceivedCounter(), "deleted once, never taken again");
    }

    private static long photos(Path setFolder) throws Exception {
        try (Stream<Path> files = Files.list(setFolder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".jpg")).count();
        }
    }
}
