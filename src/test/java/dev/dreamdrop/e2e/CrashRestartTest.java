package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.ResponseFault;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DreamDrop runs as its own process and is killed (SIGKILL) in the middle of a batch, then started again:
 * every set is trained exactly once, and every set ends with complete results.
 */
class CrashRestartTest {

    private static final int SETS = 12;
    /** The two processes' output, kept for a look after a failure. */
    private static final Path LOGS = Path.of("target", "crash-restart-test");

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void killedInTheMiddleOfABatchEverySetIsTrainedExactlyOnce() throws Exception {
        // a manual clock: trainings wait at deploying_gpu until this test moves them on, after the restart
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null)) {
            // killed while both submitting threads wait for the API's answer: the API has their requests (their
            // trainings start once released, after the restart), the other sets are claimed or still waiting
            sandbox.holdNextTrainingRequests(2);
            Path inbox = data.resolve("inbox");
            for (int i = 0; i < SETS; i++) {
                RunningDreamDrop.dropSet(inbox, "set-" + i, 3, "instance_prompt: photo of sks" + i + " person\n");
            }
            int port = RunningDreamDrop.freePort();
            Files.createDirectories(LOGS);

            Process first = startProcess(port, sandbox, LOGS.resolve("first-run.log"));
            await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.heldTrainingRequests() == 2);
            first.destroyForcibly().waitFor();
            assertEquals(2, fineTuneCalls(sandbox).size(), "killed in the middle of the batch");

            Process second = startProcess(port, sandbox, LOGS.resolve("second-run.log"));
            sandbox.releaseHeldTrainingRequests();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> fineTuneCalls(sandbox).size() >= SETS
                        && allPastSubmission());
                // now let every training run to the end; its webhooks reach the restarted process
                for (int step = 0; step < 8; step++) {
                    sandbox.trainingIds().forEach(sandbox::advance);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> countStatus("model_ready") == SETS);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                for (int i = 0; i < SETS; i++) {
                    Path status = data.resolve("results").resolve("set-" + i).resolve("status.json");
                    System.out.println("set-" + i + ": " + (Files.exists(status) ? Files.readString(status) : "-"));
                    Path events = status.resolveSibling("events.jsonl");
                    System.out.println(Files.exists(events) ? Files.readString(events) : "-");
                }
                throw e;
            } finally {
                second.destroy();
                second.waitFor();
            }

            Map<String, Integer> callsPerSet = new HashMap<>();
            for (JsonNode call : fineTuneCalls(sandbox)) {
                callsPerSet.merge(call.get("instance_prompt").asText(), 1, Integer::sum);
            }
            assertEquals(SETS, callsPerSet.size(), "every set submitted");
            callsPerSet.forEach((set, calls) -> assertEquals(1, calls, set + " submitted exactly once"));
            assertEquals(SETS, sandbox.trainingIds().size(), "exactly one training per set");
            for (int i = 0; i < SETS; i++) {
                Path results = data.resolve("results").resolve("set-" + i);
                assertTrue(Files.exists(results.resolve("request.json")), "request.json of set-" + i);
                assertTrue(Files.exists(data.resolve("archive").resolve("set-" + i)), "set-" + i + " archived");
            }
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(RunningDreamDrop.API_KEY), "API key in " + file);
                }
            }
            String log = Files.readString(LOGS.resolve("first-run.log")) + Files.readString(LOGS.resolve("second-run.log"));
            assertTrue(log.contains("Set set-0"), "the process logs were captured");
            assertFalse(log.contains(RunningDreamDrop.API_KEY), "API key in the log output");
        }
    }

    @Test
    void killedWhileWaitingToRetryTheSetIsSubmittedAfterTheRestart() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ZERO)) {
            // the API refuses the first call and asks for a minute's patience: the process is killed while it waits
            sandbox.retryAfterSeconds(60);
            sandbox.failNextCalls(1, ResponseFault.RATE_LIMITED);
            RunningDreamDrop.dropSet(data.resolve("inbox"), "patient", 3, "instance_prompt: photo of sks person\n");
            int port = RunningDreamDrop.freePort();
            Files.createDirectories(LOGS);
            Path firstLog = LOGS.resolve("retry-first-run.log");

            Process first = startProcess(port, sandbox, firstLog);
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(firstLog).contains("retrying in"));
            first.destroyForcibly().waitFor();

            Process second = startProcess(port, sandbox, LOGS.resolve("retry-second-run.log"));
            try {
                Path status = data.resolve("results").resolve("patient").resolve("status.json");
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(status)
                        && "model_ready".equals(RunningDreamDrop.readJson(status).path("status").asText()));
            } finally {
                second.destroy();
                second.waitFor();
            }
            assertEquals(2, fineTuneCalls(sandbox).size(), "the refused call and the one after the restart");
            assertEquals(1, sandbox.trainingIds().size(), "one training");
        }
    }

    private Process startProcess(int port, TrainingApiSandbox sandbox, Path log) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        RunningDreamDrop.settings(data, port, sandbox).forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add(DreamDrop.class.getName());
        return new ProcessBuilder(command)
                .directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private List<JsonNode> fineTuneCalls(TrainingApiSandbox sandbox) throws Exception {
        List<JsonNode> calls = new ArrayList<>();
        for (RecordedRequest request : sandbox.requests("/api/v3/fine_tune")) {
            calls.add(json.readTree(request.body()));
        }
        return calls;
    }

    private boolean allPastSubmission() {
        for (int i = 0; i < SETS; i++) {
            Path status = data.resolve("results").resolve("set-" + i).resolve("status.json");
            if (!Files.exists(status)) {
                return false;
            }
            String value = RunningDreamDrop.readJson(status).path("status").asText();
            if (value.equals("claimed") || value.equals("submitting")) {
                return false;
            }
        }
        return true;
    }

    private long countStatus(String status) {
        long count = 0;
        for (int i = 0; i < SETS; i++) {
            Path file = data.resolve("results").resolve("set-" + i).resolve("status.json");
            if (Files.exists(file) && status.equals(RunningDreamDrop.readJson(file).path("status").asText())) {
                count++;
            }
        }
        return count;
    }
}
