package dev.dreamdrop.e2e;

import dev.dreamdrop.DreamDrop;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API key from a file, as Docker and Kubernetes mount secrets: DreamDrop in a process of its own. */
class SecretFileTest {

    @TempDir
    Path data;

    @Test
    void aKeyFromAFileTrainsAndIsWrittenNowhere() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50))) {
            Path secret = Files.writeString(data.resolve("api-key"), RunningDreamDrop.API_KEY + "\n");
            RunningDreamDrop.dropSet(data.resolve("inbox"), "from-a-file", 2, "instance_prompt: photo of sks person\n");
            Path log = data.resolve("dreamdrop.log");
            Process process = start(sandbox, Map.of("DREAMDROP_API_KEY_FILE", secret.toString()), log);
            try {
                Path status = data.resolve("results").resolve("from-a-file").resolve("status.json");
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(status)
                        && "model_ready".equals(RunningDreamDrop.readJson(status).path("status").asText()));
            } finally {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            assertEquals(1, sandbox.trainingIds().size(), "the sandbox took the key from the file");
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.equals(secret)).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(RunningDreamDrop.API_KEY), "the key in " + file);
                }
            }
        }
    }

    @Test
    void theVariableAndItsFileTogetherStopTheStartNamingBoth() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null)) {
            Path secret = Files.writeString(data.resolve("api-key"), RunningDreamDrop.API_KEY + "\n");
            Path log = data.resolve("dreamdrop.log");
            Process process = start(sandbox, Map.of("DREAMDROP_API_KEY_FILE", secret.toString(),
                    "DREAMDROP_API_KEY", RunningDreamDrop.API_KEY), log);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "DreamDrop stopped");
            assertNotEquals(0, process.exitValue());
            String output = Files.readString(log);
            assertTrue(output.contains("DREAMDROP_API_KEY and DREAMDROP_API_KEY_FILE are both set"), output);
            assertFalse(output.contains(RunningDreamDrop.API_KEY), "the key in the output");
        }
    }

    /** DreamDrop with the test settings, but the key only in {@code environment}. */
    private Process start(TrainingApiSandbox sandbox, Map<String, String> environment, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        RunningDreamDrop.settings(data, RunningDreamDrop.freePort(), sandbox).forEach((key, value) -> {
            if (!key.equals("dreamdrop.api.key")) {
                command.add("-D" + key + "=" + value);
            }
        });
        command.add(DreamDrop.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("DREAMDROP_API_KEY");
        builder.environment().putAll(environment);
        return builder.start();
    }
}
