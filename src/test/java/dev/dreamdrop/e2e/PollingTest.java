package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.sandbox.WebhookFault;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trainings whose webhooks never come are followed by polling; trainings that never end time out. */
class PollingTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";

    @TempDir
    Path data;

    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ofMillis(100));
        sandbox.webhookFault(WebhookFault.DROP, Integer.MAX_VALUE);
    }

    @AfterEach
    void stop() {
        dreamDrop.close();
        sandbox.close();
    }

    @Test
    void withEveryWebhookDroppedTheTrainingStillReachesModelReadyByPolling() throws Exception {
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.poll.interval", "200ms",
                "dreamdrop.poll.quiet-after", "300ms"));
        dreamDrop.dropSet("unheard", 2, MANIFEST);

        JsonNode status = dreamDrop.awaitStatus("unheard", "model_ready");
        assertTrue(sandbox.webhooks().stream().allMatch(w -> w.dropped()), "not one webhook arrived");
        List<StatusChange> events = dreamDrop.journal().events(status.get("job_id").asText());
        StatusChange ready = events.stream().filter(e -> e.status().equals("model_ready") && e.applied())
                .findFirst().orElseThrow();
        assertEquals("poll", ready.source());
        assertEquals("Model loaded successfully", ready.detail(), "the newest line of the API's log");
        int rank = -1;
        for (StatusChange event : events) {
            if (event.applied()) {
                assertTrue(TrainingStatus.rank(event.status()) > rank, "no regression at " + event);
                rank = TrainingStatus.rank(event.status());
            }
        }
    }

    @Test
    void aTrainingThatNeverFinishesTimesOut() throws Exception {
        sandbox.stallTrainings(1, "trained_model_compressing");
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.poll.interval", "200ms",
                "dreamdrop.poll.quiet-after", "300ms", "dreamdrop.poll.deadline", "3s"));
        dreamDrop.dropSet("stuck", 2, MANIFEST);

        JsonNode status = dreamDrop.awaitStatus("stuck", "timed_out");
        assertTrue(status.get("error").asText().contains("no end status within"), status.toString());
        assertTrue(status.get("error").asText().contains("the last status was training_success"), status.toString());
        assertEquals("training_success", sandbox.statusOf(status.get("training_id").asText()));
    }
}
