package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.WebhookBalancer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No credit is spent on photos the API cannot fetch: with self hosting and a public URL that does not reach
 * DreamDrop (a reverse proxy with nothing behind it yet), no training is requested, status.json and the health
 * check say what to fix, and once the proxy reaches DreamDrop exactly one training is.
 */
class PhotoLinkCheckTest {

    private static final String FINE_TUNE = "/api/v3/fine_tune";

    @TempDir
    Path data;

    @Test
    void aPublicUrlThatDoesNotReachDreamDropGetsNoTrainingUntilItDoesThenExactlyOne() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(100));
             WebhookBalancer proxy = new WebhookBalancer();
             RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of(
                     "dreamdrop.public-url", proxy.url(), "dreamdrop.images.hosting", "self",
                     "dreamdrop.api.retry-max-delay", "300ms"))) {
            dreamDrop.dropSet("behind-a-proxy", 2, "instance_prompt: photo of sks person\n");

            dreamDrop.awaitStatus("behind-a-proxy", "submitting");
            await().atMost(Duration.ofSeconds(30)).until(() -> dreamDrop.status("behind-a-proxy").has("error"));
            JsonNode waiting = dreamDrop.status("behind-a-proxy");
            assertEquals("submitting", waiting.get("status").asText(), "waiting, not failed");
            String error = waiting.get("error").asText();
            assertTrue(error.contains(proxy.url() + "/images/") && error.contains("HTTP 502")
                    && error.contains("dreamdrop.public-url"), error);
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(dreamDrop.managementUrl() + "/observe/health?data=true")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
            // Camel's health endpoint escapes the slashes of a check's message once more than JSON does
            String photoLinks = photoLinksCheck(health.body()).path("message").asText().replace("\\/", "/");
            assertTrue(photoLinks.contains("behind-a-proxy") && photoLinks.contains(proxy.url() + "/images/")
                    && photoLinks.contains("HTTP 502"), photoLinks);
            Thread.sleep(1000);
            assertTrue(sandbox.requests(FINE_TUNE).isEmpty(), "no training requested while the links fail");

            // the proxy comes up: the next check passes, and the training is requested once
            proxy.add(dreamDrop.publicUrl());
            JsonNode ready = dreamDrop.awaitStatus("behind-a-proxy", "model_ready");

            assertFalse(ready.has("error"), ready.toString());
            assertEquals(1, sandbox.requests(FINE_TUNE).size());
            assertEquals(1, sandbox.trainingIds().size());
            assertTrue(sandbox.imageFetches().stream().allMatch(fetch -> fetch.isUsable()));
            assertTrue(sandbox.webhooks().stream().allMatch(webhook -> webhook.httpStatus() == 200),
                    "the webhooks reached DreamDrop through the proxy");
            HttpResponse<String> healthy = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(dreamDrop.managementUrl() + "/observe/health?data=true")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("UP", photoLinksCheck(healthy.body()).path("status").asText());
        }
    }

    private static JsonNode photoLinksCheck(String health) throws Exception {
        for (JsonNode check : new ObjectMapper().readTree(health).get("checks")) {
            if (check.path("name").asText().equals("photo-links")) {
                return check;
            }
        }
        throw new AssertionError("no photo-links check in the health answer");
    }
}
