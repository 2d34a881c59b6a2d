package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A set chooses its kind of training in its manifest; each kind's request is exactly as the vendor documents it. */
class TrainingKindsTest {

    @TempDir
    static Path data;
    @TempDir
    static Path sandboxedData;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TrainingApiSandbox sandbox;
    private static RunningDreamDrop dreamDrop;

    @BeforeAll
    static void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
    }

    @AfterAll
    static void stop() {
        dreamDrop.close();
        sandbox.close();
    }

    /** The one request sent to {@code path} for the set whose instance prompt is {@code prompt}. */
    private static JsonNode requestFor(String path, String prompt) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (RecordedRequest request : sandbox.requests(path)) {
            JsonNode body = JSON.readTree(request.body());
            if (body.path("instance_prompt").asText().equals(prompt)) {
                found.add(body);
            }
        }
        assertEquals(1, found.size(), "one training request to " + path + " for '" + prompt + "'");
        return found.get(0);
    }

    private static List<String> fieldNames(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> rejected(RunningDreamDrop dreamDrop, String set) {
        dreamDrop.awaitStatus(set, "rejected");
        List<String> lines = new ArrayList<>();
        for (JsonNode error : RunningDreamDrop.readJson(dreamDrop.failed().resolve(set).resolve("errors.json"))
                .get("errors")) {
            lines.add(error.path("field").asText("set") + ": " + error.get("message").asText());
        }
        assertTrue(sandbox.requests().stream().noneMatch(r -> r.body().contains(set)),
                "a rejected set causes no API call");
        return lines;
    }

    @Test
    void eachKindReachesModelReadyWithItsOwnRequest() throws Exception {
        dreamDrop.dropSet("classic", 3, "instance_prompt: photo of classic person\n");
        dreamDrop.dropSet("second", 3, String.join("\n",
                "kind: dreambooth_v2",
                "instance_prompt: photo of second person",
                "base_model_id: realistic-vision-v13",
                "seed: 7",
                "learning_rate_unet: 0.000002",
                "steps_unet: 1200",
                "learning_rate_text_encoder: 1e-6",
                "steps_text_encoder: 300", ""));
        dreamDrop.dropSet("lowrank", 4, String.join("\n",
                "kind: lora",
                "instance_prompt: photo of lowrank woman",
                "class_prompt: photo of woman",
                "training_type: women",
                "base_model_type: sdxl",
                "lora_type: lycoris",
                "negative_prompt: blurry, lowres", ""));

        for (String set : List.of("classic", "second", "lowrank")) {
            dreamDrop.awaitStatus(set, "model_ready");
        }

        JsonNode classic = requestFor("/api/v3/fine_tune", "photo of classic person");
        assertEquals(List.of("key", "instance_prompt", "class_prompt", "base_model_id", "images", "seed",
                "training_type", "max_train_steps", "webhook"), fieldNames(classic));
        assertEquals("6", classic.get("max_train_steps").asText());

        JsonNode v2 = requestFor("/api/v3/fine_tune_v2", "photo of second person");
        assertEquals(List.of("key", "instance_prompt", "class_prompt", "base_model_id", "images", "seed",
                "training_type", "learning_rate_unet", "steps_unet", "learning_rate_text_encoder",
                "steps_text_encoder", "webhook"), fieldNames(v2), "as fine_tune without max_train_steps, plus v2's");
        assertEquals("realistic-vision-v13", v2.get("base_model_id").asText());
        assertEquals("7", v2.get("seed").asText());
        assertEquals("2e-6", v2.get("learning_rate_unet").asText(), "sent as the allowed list writes it");
        assertEquals("\"1200\"", v2.get("steps_unet").toString(), "numbers as strings");
        assertEquals("1e-6", v2.get("learning_rate_text_encoder").asText());
        assertEquals("\"300\"", v2.get("steps_text_encoder").toString());
        assertEquals(3, v2.get("images").size());

        JsonNode lora = requestFor("/api/v3/lora_fine_tune", "photo of lowrank woman");
        assertEquals(List.of("key", "instance_prompt", "class_prompt", "base_model_type", "negative_prompt", "images",
                "seed", "training_type", "lora_type", "max_train_steps", "webhook"), fieldNames(lora));
        assertEquals("sdxl", lora.get("base_model_type").asText());
        assertEquals("lycoris", lora.get("lora_type").asText());
        assertEquals("blurry, lowres", lora.get("negative_prompt").asText());
        assertEquals("women", lora.get("training_type").asText());
        assertEquals("\"8\"", lora.get("max_train_steps").toString(), "2 x 4 photos");

        JsonNode stored = RunningDreamDrop.readJson(dreamDrop.results("second").resolve("request.json"));
        assertEquals("***", stored.get("key").asText());
        assertEquals("2e-6", stored.get("learning_rate_unet").asText(), "the stored copy is the request sent");
    }

    @Test
    void invalidValuesOfEachKindAreNamedAndCostNoCall() throws Exception {
        dreamDrop.dropSet("bad-v2", 2, String.join("\n",
                "kind: dreambooth_v2",
                "instance_prompt: photo of bad-v2 person",
                "learning_rate_unet: 0.01",
                "steps_text_encoder: 0",
                "max_train_steps: 100", ""));
        List<String> v2 = rejected(dreamDrop, "bad-v2");
        assertTrue(v2.stream().anyMatch(p -> p.startsWith("learning_rate_unet: is '0.01'")
                && p.contains("use one of 1e-6, 2e-6, 3e-6, 4e-6, 5e-6")), v2.toString());
        assertTrue(v2.stream().anyMatch(p -> p.startsWith("steps_text_encoder: is 0, outside 1..2000")), v2.toString());
        assertTrue(v2.stream().anyMatch(p -> p.startsWith("max_train_steps: is not a field of kind dreambooth_v2")),
                v2.toString());
        assertEquals(3, v2.size(), v2.toString());

        dreamDrop.dropSet("bad-lora", 2, String.join("\n",
                "kind: lora",
                "instance_prompt: photo of bad-lora person",
                "base_model_type: sd15",
                "lora_type: dora",
                "learning_rate_unet: 1e-6",
                "negative_promt: ugly", ""));
        List<String> lora = rejected(dreamDrop, "bad-lora");
        assertTrue(lora.contains("base_model_type: is 'sd15'; use normal or sdxl"), lora.toString());
        assertTrue(lora.contains("lora_type: is 'dora'; use lora or lycoris"), lora.toString());
        assertTrue(lora.stream().anyMatch(p -> p.startsWith("learning_rate_unet: is not a field of kind lora but of"
                + " kind dreambooth_v2")), lora.toString());
        assertTrue(lora.stream().anyMatch(p -> p.startsWith("negative_promt: is not a manifest field; did you mean"
                + " 'negative_prompt'?")), lora.toString());
        assertEquals(4, lora.size(), lora.toString());

        dreamDrop.dropSet("bad-kind", 2, "kind: dreambooth-v2\ninstance_prompt: photo of bad-kind person\n");
        List<String> kind = rejected(dreamDrop, "bad-kind");
        assertEquals(List.of("kind: is 'dreambooth-v2'; use one of dreambooth, dreambooth_v2, lora (or leave it out"
                + " for dreambooth)"), kind);
    }

    @Test
    void theVendorsSandboxEndpointsByConfiguration() throws Exception {
        try (RunningDreamDrop sandboxed = RunningDreamDrop.start(sandboxedData, sandbox,
                Map.of("dreamdrop.api.vendor-sandbox", "true"))) {
            sandboxed.dropSet("trial", 2, "instance_prompt: photo of trial person\n");
            sandboxed.awaitStatus("trial", "model_ready");
            JsonNode trial = requestFor("/api/sandbox/v3/fine_tune", "photo of trial person");
            assertFalse(trial.has("base_model_id"), "the sandbox endpoint takes no base_model_id");
            String trainingId = sandboxed.status("trial").get("training_id").asText();
            assertFalse(sandbox.requests("/api/sandbox/v3/fine_tune_status/" + trainingId).isEmpty(),
                    "its end status was confirmed where it was trained");

            sandboxed.dropSet("trial-lora", 2, "kind: lora\ninstance_prompt: photo of trial-lora person\n");
            List<String> problems = rejected(sandboxed, "trial-lora");
            assertTrue(problems.get(0).startsWith("kind: is lora, but DreamDrop is set to the vendor's sandbox"),
                    problems.toString());
        }
    }
}
