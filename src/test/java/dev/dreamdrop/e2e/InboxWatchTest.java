package dev.dreamdrop.e2e;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The folder inbox reacts to the file system's events, and the periodic scan alone still takes every set where
 * there are none.
 */
class InboxWatchTest {

    /** The periodic scan runs once at start-up, then not within the test. */
    private static final Map<String, String> NO_PERIODIC_SCAN = Map.of("dreamdrop.inbox.poll-interval", "1h");

    @TempDir
    Path data;

    @Test
    void aSetIsTakenWhenItsReadyFileAppearsWithoutWaitingForTheScan() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, NO_PERIODIC_SCAN)) {
            dreamDrop.dropSet("alex", 2, "instance_prompt: photo of sks person\n");
            dreamDrop.awaitStatus("alex", "deploying_gpu");
            assertEquals(1, sandbox.requests("/api/v3/fine_tune").size());
        }
    }

    @Test
    void aSetWithoutReadyIsTakenOnceItWentQuietWithoutWaitingForTheScan() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, NO_PERIODIC_SCAN)) {
            Path staging = data.resolve("staging").resolve("blake");
            TestPhotos.writeSet(staging, 2);
            Files.writeString(staging.resolve("training.yaml"), "instance_prompt: photo of sks person\n");
            Files.move(staging, dreamDrop.inbox().resolve("blake"));
            dreamDrop.awaitStatus("blake", "deploying_gpu");
        }
    }

    @Test
    void withoutFileSystemEventsThePeriodicScanStillTakesEverySet() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.inbox.watch", "false",
                     "dreamdrop.inbox.poll-interval", "200ms"))) {
            for (int i = 0; i < 3; i++) {
                dreamDrop.dropSet("set-" + i, 2, "instance_prompt: photo of sks" + i + " person\n");
            }
            for (int i = 0; i < 3; i++) {
                dreamDrop.awaitStatus("set-" + i, "deploying_gpu");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.requests("/api/v3/fine_tune").size() == 3);
        }
    }
}
