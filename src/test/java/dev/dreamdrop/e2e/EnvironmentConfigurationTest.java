package dev.dreamdrop.e2e;

import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every key can come from the environment, Camel's own included: a DreamDrop process configured by environment
 * variables alone listens where they say (as a Kubernetes manifest configures it).
 */
class EnvironmentConfigurationTest {

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void theServersListenWhereTheEnvironmentSays() throws Exception {
        int publicPort = RunningDreamDrop.freePort();
        int managementPort = RunningDreamDrop.freePort();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DreamDrop.class.getName())
                .redirectErrorStream(true).redirectOutput(data.resolve("dreamdrop.log").toFile());
        Map<String, String> environment = builder.environment();
        environment.put("CAMEL_SERVER_PORT", String.valueOf(publicPort));
        environment.put("CAMEL_SERVER_HOST", "127.0.0.1");
        // another loopback address than the default 127.0.0.1: the host must come from here too
        environment.put("CAMEL_MANAGEMENT_HOST", "127.0.0.2");
        environment.put("CAMEL_MANAGEMENT_PORT", String.valueOf(managementPort));
        environment.put("DREAMDROP_SANDBOX_PORT", "0");
        environment.put("DREAMDROP_DB_URL", "jdbc:h2:file:" + data.resolve("journal").toAbsolutePath());
        for (String folder : new String[]{"inbox", "archive", "failed", "storage", "images"}) {
            environment.put("DREAMDROP_" + folder.toUpperCase() + "_DIR", data.resolve(folder).toString());
        }
        environment.put("DREAMDROP_MAIL_PARKED_DIR", data.resolve("mail/parked").toString());
        environment.put("DREAMDROP_MAIL_REPLAY_DIR", data.resolve("mail/replay").toString());
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    get("http://127.0.0.2:" + managementPort + "/observe/health").statusCode() == 200);
            HttpResponse<String> webhook = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + publicPort
                    + "/webhook/no-such-token")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, webhook.statusCode(), "the public server is on CAMEL_SERVER_PORT");
            assertThrows(ConnectException.class, () -> get("http://127.0.0.1:" + managementPort + "/observe/health"),
                    "the management server is on CAMEL_MANAGEMENT_HOST only");
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
