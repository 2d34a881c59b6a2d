package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.EventReceiver;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A set's writer is not trusted: a notify_url that names this machine, in any spelling, rejects the set before
 * anything is sent to it; an operator who allows the host gets the set's events there. Receivers on loopback only.
 */
class UntrustedReceiversTest {

    private static final List<String> INSIDE = List.of("127.0.0.1", "localhost", "[::1]", "0.0.0.0", "127.0.0.2");

    @TempDir
    Path data;

    @Test
    void aNotifyUrlAtThisMachineIsRefusedUntilAnOperatorAllowsItsHost() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             EventReceiver receiver = EventReceiver.start()) {
            int port = URI.create(receiver.url()).getPort();
            Map<String, String> events = Map.of("dreamdrop.events.secret", EventReceiver.SECRET,
                    "dreamdrop.events.poll-interval", "50ms");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, events)) {
                for (int i = 0; i < INSIDE.size(); i++) {
                    dreamDrop.dropSet("inside-" + i, 2, "instance_prompt: photo of sks person\nnotify_url: \"http://"
                            + INSIDE.get(i) + ":" + port + "/events\"\n");
                }
                for (int i = 0; i < INSIDE.size(); i++) {
                    JsonNode errors = RunningDreamDrop.readJson(awaitRejected(dreamDrop, "inside-" + i)
                            .resolve("errors.json")).get("errors");
                    assertEquals(1, errors.size(), errors.toString());
                    assertEquals("notify_url", errors.get(0).get("field").asText());
                    assertTrue(errors.get(0).get("message").asText().contains("public internet"), errors.toString());
                }
                Thread.sleep(500);
                assertTrue(receiver.deliveries().isEmpty(), "nothing reached the receiver");
                assertTrue(sandbox.requests("/api/v3/fine_tune").isEmpty(), "no set was trained");
            }

            Map<String, String> allowed = new java.util.HashMap<>(events);
            allowed.put("dreamdrop.events.allowed-hosts", "127.0.0.1");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, allowed)) {
                dreamDrop.dropSet("allowed", 2, "instance_prompt: photo of sks person\nnotify_url: \""
                        + receiver.url() + "\"\n");
                dreamDrop.awaitStatus("allowed", "model_ready");
                await().atMost(Duration.ofSeconds(20)).until(() -> receiver.accepted().stream().anyMatch(delivery ->
                        delivery.event().path("data").path("status").asText().equals("model_ready")));
                assertTrue(receiver.deliveries().stream().allMatch(delivery ->
                        delivery.event().path("data").path("set").asText().equals("allowed")));
            }
        }
    }

    @Test
    void aNotifyEmailOutsideTheAllowedDomainsRejectsTheSet() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of(
                     "dreamdrop.mail.allowed-domains", "example.com"))) {
            dreamDrop.dropSet("mailed-out", 2, "instance_prompt: photo of sks person\n"
                    + "notify_email: [ana@example.com, eve@attacker.example]\n");
            JsonNode errors = RunningDreamDrop.readJson(awaitRejected(dreamDrop, "mailed-out").resolve("errors.json"))
                    .get("errors");
            assertEquals(1, errors.size(), errors.toString());
            assertEquals("notify_email", errors.get(0).get("field").asText());
            assertTrue(errors.get(0).get("message").asText().contains("eve@attacker.example"), errors.toString());
            assertTrue(sandbox.requests("/api/v3/fine_tune").isEmpty());
        }
    }

    private Path awaitRejected(RunningDreamDrop dreamDrop, String set) {
        dreamDrop.awaitStatus(set, "rejected");
        Path failed = dreamDrop.failed().resolve(set);
        await().atMost(Duration.ofSeconds(10)).until(() -> failed.resolve("errors.json").toFile().exists());
        return failed;
    }
}
