package dev.dreamdrop.e2e;

import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A newcomer's first run: sandbox mode (no key), the shipped settings, the sample set dropped and trained. Its log
 * has no WARN but the sandbox banner.
 */
class FirstLogTest {

    @TempDir
    Path data;

    @Test
    void aFreshStartInSandboxModeWarnsOfNothingButTheSandbox() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        for (String folder : List.of("inbox", "archive", "failed", "storage", "images")) {
            command.add("-Ddreamdrop." + folder + ".dir=" + data.resolve(folder));
        }
        command.add("-Ddreamdrop.mail.parked-dir=" + data.resolve("mail/parked"));
        command.add("-Ddreamdrop.mail.replay-dir=" + data.resolve("mail/replay"));
        command.add("-Ddreamdrop.s3.staging-dir=" + data.resolve("s3-staging"));
        command.add("-Ddreamdrop.db.url=jdbc:h2:file:" + data.resolve("journal").toAbsolutePath());
        command.add("-Dcamel.server.port=" + RunningDreamDrop.freePort());
        command.add("-Dcamel.management.port=" + RunningDreamDrop.freePort());
        command.add("-Ddreamdrop.sandbox.port=0");
        command.add("-Ddreamdrop.sandbox.step-delay=100ms");
        command.add("-Ddreamdrop.poll.interval=500ms");
        command.add(DreamDrop.class.getName());
        Path log = data.resolve("first.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("DREAMDROP_") || name.startsWith("CAMEL_"));
        Process process = builder.start();
        try {
            Path sample = Path.of("samples", "alex");
            Path set = Files.createDirectories(data.resolve("inbox").resolve("alex"));
            try (var files = Files.list(sample)) {
                for (Path file : files.toList()) {
                    Files.copy(file, set.resolve(file.getFileName()));
                }
            }
            Path status = data.resolve("storage").resolve("alex").resolve("status.json");
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(status)
                    && "model_ready".equals(RunningDreamDrop.readJson(status).path("status").asText()));
        } finally {
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }
        List<String> warnings = Files.readAllLines(log).stream().filter(line -> line.contains(" WARN ")
                || line.contains(" ERROR ")).toList();
        assertTrue(warnings.stream().anyMatch(line -> line.contains("SANDBOX MODE")), String.join("\n", warnings));
        assertEquals(List.of(), warnings.stream().filter(line -> !line.contains("DreamDropConfiguration - ")).toList(),
                "WARN lines besides the sandbox banner");
        assertEquals(5, warnings.size(), "the banner's five lines:\n" + String.join("\n", warnings));
    }
}
