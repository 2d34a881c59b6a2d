package dev.dreamdrop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import org.apache.camel.main.Main;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * DreamDrop started in this JVM, as {@code java -jar} would start it (same routes, same configuration file),
 * with its folders, journal and port of its own, pointed at a sandbox of the training API.
 */
public final class RunningDreamDrop implements AutoCloseable {

    public static final String API_KEY = "sk-test-9f8e7d6c5b4a-do-not-leak";

    private final Main main;
    private final Path data;
    private final int port;

    private RunningDreamDrop(Main main, Path data, int port) {
        this.main = main;
        this.data = data;
        this.port = port;
    }

    /** The settings a test run uses: everything under {@code data}, fast clocks, the sandbox as the API. */
    public static Map<String, String> settings(Path data, int port, TrainingApiSandbox sandbox) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("camel.server.port", String.valueOf(port));
        settings.put("camel.server.host", "127.0.0.1");
        settings.put("camel.management.port", String.valueOf(freePort()));
        settings.put("dreamdrop.public-url", "http://127.0.0.1:" + port);
        settings.put("dreamdrop.api.base-url", sandbox.baseUrl());
        settings.put("dreamdrop.api.key", API_KEY);
        settings.put("dreamdrop.api.retry-initial-delay", "50ms");
        settings.put("dreamdrop.api.retry-max-delay", "200ms");
        settings.put("dreamdrop.api.timeout", "5s");
        settings.put("dreamdrop.inbox.dir", data.resolve("inbox").toString());
        settings.put("dreamdrop.archive.dir", data.resolve("archive").toString());
        settings.put("dreamdrop.failed.dir", data.resolve("failed").toString());
        settings.put("dreamdrop.storage.dir", data.resolve("results").toString());
        settings.put("dreamdrop.images.dir", data.resolve("prepared").toString());
        settings.put("dreamdrop.db.url", "jdbc:h2:file:" + data.resolve("journal").toAbsolutePath());
        settings.put("dreamdrop.mail.parked-dir", data.resolve("mail/parked").toString());
        settings.put("dreamdrop.mail.replay-dir", data.resolve("mail/replay").toString());
        settings.put("dreamdrop.mail.poll-interval", "100ms");
        settings.put("dreamdrop.outbox.poll-interval", "50ms");
        settings.put("dreamdrop.inbox.poll-interval", "100ms");
        settings.put("dreamdrop.inbox.quiet-period", "1s");
        // sample images have tests of their own (SamplesTest, SampleRoutesTest): elsewhere they would add generations
        // to every count of requests, emails and events
        settings.put("dreamdrop.samples.count", "0");
        settings.put("dreamdrop.samples.poll-interval", "100ms");
        settings.put("dreamdrop.samples.retry-initial-delay", "100ms");
        settings.put("dreamdrop.samples.retry-max-delay", "500ms");
        return settings;
    }

    public static RunningDreamDrop start(Path data, TrainingApiSandbox sandbox) {
        return start(data, sandbox, Map.of());
    }

    public static RunningDreamDrop start(Path data, TrainingApiSandbox sandbox, Map<String, String> overrides) {
        int port = freePort();
        Main main = DreamDrop.create();
        Map<String, String> settings = settings(data, port, sandbox);
        settings.putAll(overrides);
        settings.forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("DreamDrop did not start", e);
        }
        return new RunningDreamDrop(main, data, port);
    }

    public Path inbox() {
        return data.resolve("inbox");
    }

    public Path archive() {
        return data.resolve("archive");
    }

    public Path failed() {
        return data.resolve("failed");
    }

    public Path results(String set) {
        return data.resolve("results").resolve(set);
    }

    public Path prepared() {
        return data.resolve("prepared");
    }

    public String publicUrl() {
        return "http://127.0.0.1:" + port;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + main.getCamelContext().getPropertiesComponent()
                .resolveProperty("camel.management.port").orElseThrow();
    }

    public Journal journal() {
        return main.getCamelContext().getRegistry().lookupByNameAndType("journal", Journal.class);
    }

    /** Writes a set of {@code photos} portraits with a manifest and, last, its READY file. */
    public Path dropSet(String name, int photos, String manifestYaml) throws IOException {
        return dropSet(inbox(), name, photos, manifestYaml);
    }

    public static Path dropSet(Path inbox, String name, int photos, String manifestYaml) throws IOException {
        Path staging = inbox.resolveSibling("staging").resolve(name);
        TestPhotos.writeSet(staging, photos);
        if (manifestYaml != null) {
            Files.writeString(staging.resolve("training.yaml"), manifestYaml);
        }
        Files.createDirectories(inbox);
        Path set = Files.move(staging, inbox.resolve(name));
        Files.writeString(set.resolve("READY"), "");
        return set;
    }

    /** Waits until the set's status.json shows {@code status}, and returns it. */
    public JsonNode awaitStatus(String set, String status) {
        return awaitStatus(data, set, status);
    }

    /** The same, for the folders of {@link #settings} under {@code data}. */
    public static JsonNode awaitStatus(Path data, String set, String status) {
        Path file = data.resolve("results").resolve(set).resolve("status.json");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> status.equals(readStatus(file)));
        return readJson(file);
    }

    public JsonNode status(String set) {
        return readJson(results(set).resolve("status.json"));
    }

    private static String readStatus(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return readJson(file).path("status").asText();
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    public static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        main.stop();
    }
}
