package dev.dreamdrop.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sandbox behaves like the documented training API, quirks included, and its fault knobs work. */
class TrainingApiSandboxTest {

    private static final String KEY = "sandbox-test-key";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    /** Plays DreamDrop's part: serves images and takes webhooks. */
    private HttpServer peer;
    private final Map<String, byte[]> images = new ConcurrentHashMap<>();
    private final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    private TrainingApiSandbox sandbox;

    @BeforeEach
    void start() throws Exception {
        peer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        peer.createContext("/img/", exchange -> {
            byte[] image = images.get(exchange.getRequestURI().getPath());
            if (image == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, image.length);
                exchange.getResponseBody().write(image);
            }
            exchange.close();
        });
        peer.createContext("/hook", exchange -> {
            webhookBodies.add(new String(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        peer.start();
        sandbox = TrainingApiSandbox.start(0, Set.of(KEY), Duration.ZERO);
        for (int i = 0; i < 3; i++) {
            images.put("/img/" + i + ".jpg", TestPhotos.jpegBytes(TestPhotos.portrait(512, 512, i), false));
        }
        images.put("/img/small.jpg", TestPhotos.jpegBytes(TestPhotos.portrait(400, 400, 0), false));
    }

    @AfterEach
    void stop() {
        sandbox.close();
        peer.stop(0);
    }

    private String peerUrl(String path) {
        return "http://127.0.0.1:" + peer.getAddress().getPort() + path;
    }

    private ObjectNode fineTune(String... imagePaths) {
        ObjectNode body = json.createObjectNode()
                .put("key", KEY)
                .put("instance_prompt", "photo of sks person")
                .put("class_prompt", "photo of person")
                .put("base_model_id", "portraitplus-diffusion");
        for (String path : imagePaths) {
            body.withArray("images").add(peerUrl(path));
        }
        return body.put("seed", "0").put("training_type", "men").put("max_train_steps", "6")
                .put("webhook", peerUrl("/hook"));
    }

    private HttpResponse<String> call(String path, JsonNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode answer(String path, JsonNode body) throws Exception {
        HttpResponse<String> response = call(path, body);
        assertEquals(200, response.statusCode(), "the API answers 200, errors included: " + response.body());
        return json.readTree(response.body());
    }

    private ObjectNode keyOnly() {
        return json.createObjectNode().put("key", KEY);
    }

    private List<String> webhookStatuses() throws Exception {
        List<String> statuses = new ArrayList<>();
        for (String body : webhookBodies) {
            statuses.add(json.readTree(body).get("training_status").asText());
        }
        return statuses;
    }

    @Test
    void trainingIsCreatedWithTheDocumentedBodyAndWalksThroughTheEightStatuses() throws Exception {
        JsonNode created = answer("/api/v3/fine_tune", fineTune("/img/0.jpg", "/img/1.jpg", "/img/2.jpg"));
        assertEquals("success", created.get("status").asText());
        assertEquals("deploying_gpu", created.get("messege").asText());
        assertEquals("it will take upto 25 minutes.", created.get("data").asText());
        String id = created.get("training_id").asText();
        assertTrue(id.matches("[A-Za-z0-9]{10}"), id);
        assertEquals(id, created.get("model_id").asText());

        await().atMost(Duration.ofSeconds(10)).until(() -> webhookBodies.size() == 8);
        assertEquals(TrainingStatus.TRAINING_STEPS, webhookStatuses(), "one webhook per status, in order");
        JsonNode first = json.readTree(webhookBodies.get(0));
        assertEquals("success", first.get("status").asText());
        assertEquals(id, first.get("model_id").asText());
        assertTrue(first.has("logs"));

        JsonNode status = answer("/api/v3/fine_tune_status/" + id, keyOnly());
        assertEquals("success", status.get("status").asText());
        assertEquals("model_ready", status.get("messege").asText());
        assertTrue(status.get("data").asText().startsWith(" /n Step") || status.get("data").asText().contains(" /n Step:1"),
                status.get("data").asText());
        assertTrue(status.get("data").asText().endsWith("Model loaded successfully"));

        assertEquals(3, sandbox.imageFetches().size());
        assertTrue(sandbox.imageFetches().stream().allMatch(ImageFetch::isUsable));
        assertEquals(8, sandbox.webhooks().size());
        assertTrue(sandbox.webhooks().stream().allMatch(w -> w.httpStatus() == 200));
        assertEquals(1, sandbox.requests("/api/v3/fine_tune").size());
    }

    @Test
    void invalidKeyIsRefusedWithHttp200() throws Exception {
        JsonNode answer = answer("/api/v3/fine_tune", fineTune("/img/0.jpg").put("key", "nope"));
        assertEquals("error", answer.get("status").asText());
        assertEquals("Invalid Api Key", answer.get("message").asText());
        assertTrue(answer.has("tip"));
        JsonNode noJson = json.readTree(call("/api/v3/fine_tune", json.getNodeFactory().textNode("x")).body());
        assertEquals("Invalid Api Key", noJson.get("message").asText(), "a body that is not JSON has no key either");
    }

    @Test
    void validationErrorsComeAsALaravelMessegeMap() throws Exception {
        ObjectNode request = fineTune();
        request.remove("images");
        request.put("max_train_steps", "2001").put("training_type", "robot").remove("instance_prompt");
        JsonNode answer = answer("/api/v3/fine_tune", request);
        assertEquals("error", answer.get("status").asText());
        JsonNode messege = answer.get("messege");
        assertEquals("The images field is required.", messege.get("images").get(0).asText());
        assertEquals("The instance prompt field is required.", messege.get("instance_prompt").get(0).asText());
        assertEquals("The max train steps must be between 1 and 2000.", messege.get("max_train_steps").get(0).asText());
        assertEquals("The selected training type is invalid.", messege.get("training_type").get(0).asText());

        ObjectNode badLink = fineTune("/img/0.jpg");
        badLink.withArray("images").add("file:///etc/passwd");
        assertTrue(answer("/api/v3/fine_tune", badLink).get("messege").has("images.1"));

        assertTrue(answer("/api/v3/fine_tune", fineTune("/img/0.jpg").put("max_train_steps", "many"))
                .get("messege").get("max_train_steps").get(0).asText().contains("integer"));
        assertTrue(sandbox.trainingIds().isEmpty(), "no training for an invalid request");
    }

    @Test
    void eachTrainingEndpointChecksItsOwnFields() throws Exception {
        ObjectNode v2 = fineTune("/img/0.jpg");
        v2.remove("max_train_steps");
        JsonNode v2Answer = answer("/api/v3/fine_tune_v2", v2);
        assertTrue(v2Answer.get("messege").has("learning_rate_unet"), v2Answer.toString());
        assertTrue(v2Answer.get("messege").has("steps_text_encoder"), v2Answer.toString());
        v2.put("learning_rate_unet", "1e-6").put("steps_unet", "200").put("learning_rate_text_encoder", "1e-6")
                .put("steps_text_encoder", "100");
        assertEquals("success", answer("/api/v3/fine_tune_v2", v2).get("status").asText());

        ObjectNode lora = fineTune("/img/0.jpg").put("base_model_type", "huge").put("lora_type", "lora");
        lora.remove("base_model_id");
        assertEquals("The selected base model type is invalid.",
                answer("/api/v3/lora_fine_tune", lora).get("messege").get("base_model_type").get(0).asText());
        assertEquals("success", answer("/api/v3/lora_fine_tune", lora.put("base_model_type", "sdxl"))
                .get("status").asText());

        ObjectNode sandboxPath = fineTune("/img/0.jpg");
        sandboxPath.remove("base_model_id");
        assertEquals("success", answer("/api/sandbox/v3/fine_tune", sandboxPath).get("status").asText(),
                "the vendor's sandbox path needs no base_model_id");
        assertTrue(answer("/api/v3/fine_tune", sandboxPath).get("messege").has("base_model_id"));
    }

    @Test
    void manualClockListDeleteAndCancel() throws Exception {
        sandbox.stepDelay(null);
        String a = answer("/api/v3/fine_tune", fineTune("/img/0.jpg")).get("training_id").asText();
        String b = answer("/api/v3/fine_tune", fineTune("/img/1.jpg")).get("training_id").asText();
        String c = answer("/api/v3/fine_tune", fineTune("/img/2.jpg")).get("training_id").asText();
        assertEquals("deploying_gpu", sandbox.statusOf(a));
        sandbox.advance(a);
        assertEquals("training_started", answer("/api/v3/fine_tune_status/" + a, keyOnly()).get("messege").asText());

        JsonNode list = answer("/api/v3/finetune_list", keyOnly());
        assertEquals("model list", list.get("messege").asText());
        assertEquals(Set.of(a, b, c), Set.of(list.get("data").get(0).asText(), list.get("data").get(1).asText(),
                list.get("data").get(2).asText()));

        assertEquals("success", answer("/api/v3/finetune/delete/" + a, keyOnly()).get("status").asText());
        assertEquals(2, answer("/api/v3/finetune_list", keyOnly()).get("data").size());
        assertEquals("error", answer("/api/v3/fine_tune_status/" + a, keyOnly()).get("status").asText());
        assertEquals("error", answer("/api/v3/finetune/delete/" + a, keyOnly()).get("status").asText());

        assertEquals("success", answer("/api/v3/cancle_training/" + b, keyOnly()).get("status").asText());
        assertEquals("success", answer("/api/v3/cancel_training/" + c, keyOnly()).get("status").asText());
        JsonNode cancelled = answer("/api/v3/fine_tune_status/" + b, keyOnly());
        assertEquals("failed", cancelled.get("status").asText());
        assertEquals("cancelled", cancelled.get("messege").asText());
        sandbox.advance(b);
        assertEquals("cancelled", sandbox.statusOf(b), "a cancelled training no longer advances");
        assertEquals("error", answer("/api/v3/cancle_training/" + b, keyOnly()).get("status").asText());

        assertEquals("error", answer("/api/v3/fine_tune_status/" + b, keyOnly()
                .put("key", "other")).get("status").asText());
    }

    @Test
    void base64CropDecodesCropsAndServesTheImage() throws Exception {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(TestPhotos.portrait(800, 600, 1), "png", png);
        String dataUri = "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());

        JsonNode cropped = answer("/api/v3/base64_crop", keyOnly().put("image", dataUri).put("crop", "true"));
        assertEquals("success", cropped.get("status").asText());
        assertEquals("image uploaded", cropped.get("messege").asText());
        assertTrue(cropped.get("request_id").isNumber());
        BufferedImage served = ImageIO.read(new ByteArrayInputStream(http.send(HttpRequest.newBuilder(
                URI.create(cropped.get("link").asText())).build(), HttpResponse.BodyHandlers.ofByteArray()).body()));
        assertEquals(512, served.getWidth());
        assertEquals(512, served.getHeight());

        JsonNode whole = answer("/api/v3/base64_crop", keyOnly().put("image", dataUri).put("crop", "false"));
        BufferedImage uncropped = ImageIO.read(URI.create(whole.get("link").asText()).toURL());
        assertEquals(800, uncropped.getWidth());

        String tooBig = "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[6 * 1024 * 1024]);
        assertTrue(answer("/api/v3/base64_crop", keyOnly().put("image", tooBig)).get("messege").get("image")
                .get(0).asText().contains("5120 kilobytes"));
        String notImage = "data:image/png;base64," + Base64.getEncoder().encodeToString("hello".getBytes());
        assertEquals("error", answer("/api/v3/base64_crop", keyOnly().put("image", notImage))
                .get("status").asText());
    }

    @Test
    void unreachableOrWrongSizedImagesFailTheTraining() throws Exception {
        String missing = answer("/api/v3/fine_tune", fineTune("/img/0.jpg", "/img/nothing.jpg"))
                .get("training_id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(sandbox.statusOf(missing)));
        String small = answer("/api/v3/fine_tune", fineTune("/img/small.jpg")).get("training_id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(sandbox.statusOf(small)));

        await().atMost(Duration.ofSeconds(5)).until(() -> webhookBodies.size() == 4);
        List<JsonNode> failures = new ArrayList<>();
        for (String body : webhookBodies) {
            JsonNode event = json.readTree(body);
            if (event.get("status").asText().equals("failed")) {
                failures.add(event);
            }
        }
        assertEquals(2, failures.size());
        assertTrue(failures.stream().anyMatch(f -> f.get("logs").asText().contains("HTTP 404")), failures.toString());
        assertTrue(failures.stream().anyMatch(f -> f.get("logs").asText().contains("400x400")), failures.toString());
        assertEquals("failed", answer("/api/v3/fine_tune_status/" + small, keyOnly()).get("status").asText());
    }

    @Test
    void responseFaultsAnswerTheNextCallsThenStop() throws Exception {
        sandbox.failNextCalls(1, ResponseFault.SERVER_ERROR);
        sandbox.failNextCalls(1, ResponseFault.RATE_LIMITED);
        sandbox.failNextCalls(1, ResponseFault.SPAM_FILTER);
        sandbox.failNextCalls(1, ResponseFault.FAILED_TRY_AGAIN);
        sandbox.retryAfterSeconds(7);

        HttpResponse<String> serverError = call("/api/v3/fine_tune", fineTune("/img/0.jpg"));
        assertEquals(503, serverError.statusCode());
        HttpResponse<String> limited = call("/api/v3/fine_tune", fineTune("/img/0.jpg"));
        assertEquals(429, limited.statusCode());
        assertEquals("7", limited.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(7, json.readTree(limited.body()).get("retry_after").asInt());
        JsonNode spam = answer("/api/v3/fine_tune", fineTune("/img/0.jpg"));
        assertTrue(spam.get("tips").asText().contains("spam filter is enabled"));
        JsonNode tryAgain = answer("/api/v3/fine_tune", fineTune("/img/0.jpg"));
        assertEquals("failed", tryAgain.get("status").asText());
        assertEquals("Failed, Try Again", tryAgain.get("message").asText());
        assertTrue(sandbox.trainingIds().isEmpty(), "no fault started a training");

        assertEquals("success", answer("/api/v3/fine_tune", fineTune("/img/0.jpg")).get("status").asText());
        assertEquals(5, sandbox.requests("/api/v3/fine_tune").size());
    }

    @Test
    void acceptedButNoAnswerStartsTheTrainingAndCutsTheConnection() throws Exception {
        sandbox.failNextCalls(1, ResponseFault.ACCEPT_WITHOUT_ANSWER);
        assertThrows(IOException.class, () -> call("/api/v3/fine_tune", fineTune("/img/0.jpg")));
        assertEquals(1, sandbox.trainingIds().size(), "the training started all the same");
        await().atMost(Duration.ofSeconds(10)).until(() -> webhookBodies.size() == 8);
    }

    @Test
    void latencyDelaysEveryAnswer() throws Exception {
        sandbox.latency(Duration.ofMillis(400));
        long start = System.nanoTime();
        answer("/api/v3/finetune_list", keyOnly());
        assertTrue(System.nanoTime() - start >= 400_000_000L);
    }

    @Test
    void webhookFaultsDuplicateDropReorderAndBreakDeliveries() throws Exception {
        sandbox.stepDelay(null);
        sandbox.webhookFault(WebhookFault.DUPLICATE, 1);
        String id = answer("/api/v3/fine_tune", fineTune("/img/0.jpg")).get("training_id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> webhookBodies.size() == 2);
        assertEquals(List.of("deploying_gpu", "deploying_gpu"), webhookStatuses(), "duplicated");

        sandbox.webhookFault(WebhookFault.DROP, 1);
        sandbox.advance(id);
        assertEquals(2, webhookBodies.size(), "dropped");
        assertTrue(sandbox.webhooks().get(sandbox.webhooks().size() - 1).dropped());

        sandbox.webhookFault(WebhookFault.REORDER, 1);
        sandbox.advance(id);
        assertEquals(2, webhookBodies.size(), "held back");
        sandbox.advance(id);
        assertEquals(List.of("deploying_gpu", "deploying_gpu", "trained_model_compressing", "training_success"),
                webhookStatuses(), "the held-back delivery arrives after the next one");

        sandbox.webhookFault(WebhookFault.LEGACY_TRAILING_COMMA, 1);
        sandbox.advance(id);
        String legacy = webhookBodies.get(webhookBodies.size() - 1);
        assertTrue(legacy.endsWith(",}"), legacy);
        assertThrows(IOException.class, () -> json.readTree(legacy));
    }

    @Test
    void trainingsCanBeMadeToFailOrToStall() throws Exception {
        sandbox.failTrainings(1, "trained_model_uploading");
        sandbox.stallTrainings(1, "training_success");
        String failing = answer("/api/v3/fine_tune", fineTune("/img/0.jpg")).get("training_id").asText();
        String stalling = answer("/api/v3/fine_tune", fineTune("/img/1.jpg")).get("training_id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> "failed".equals(sandbox.statusOf(failing)));
        Thread.sleep(300);
        assertEquals("training_started", sandbox.statusOf(stalling), "stalled before training_success");
        String normal = answer("/api/v3/fine_tune", fineTune("/img/2.jpg")).get("training_id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> "model_ready".equals(sandbox.statusOf(normal)));
    }

    @Test
    void knobsAndRecordsOverHttpForStandaloneUse() throws Exception {
        HttpResponse<String> set = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/_sandbox/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fail_next\": 1, \"fault\": \"server_error\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode());
        assertEquals(503, call("/api/v3/finetune_list", keyOnly()).statusCode());
        assertEquals(200, call("/api/v3/finetune_list", keyOnly()).statusCode());

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/_sandbox/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"fail_next\": 1, \"fault\": \"meteor\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());

        JsonNode requests = json.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                + "/_sandbox/requests")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(2, requests.size());
        assertEquals("/api/v3/finetune_list", requests.get(0).get("path").asText());
        assertEquals("POST", requests.get(0).get("method").asText());

        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                + "/api/v3/finetune_list")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode(), "every call is a POST");
        assertFalse(get.body().isEmpty());
    }
}
