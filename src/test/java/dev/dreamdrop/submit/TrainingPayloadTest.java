package dev.dreamdrop.submit;

import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.intake.TrainingSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TrainingPayloadTest {

    private static final List<String> IMAGES = List.of("https://x/1.jpg", "https://x/2.jpg");

    private static TrainingSettings settings(TrainingKind kind, Integer steps, String seed) {
        return new TrainingSettings(kind, "photo of adhik person", "photo of person", "portraitplus-diffusion", "men",
                steps, seed, new TrainingSettings.DreamboothV2("1e-6", 1500, "2e-6", 350),
                new TrainingSettings.Lora("sdxl", "lycoris", null), List.of(), null, List.of(), "face",
                TrainingSettings.CONFIGURED_SAMPLES);
    }

    @Test
    void dreamboothInTheVendorsOrderWithNumbersAsStrings() {
        String json = TrainingPayload.build(settings(TrainingKind.DREAMBOOTH, null, "0"), IMAGES, IMAGES.size(),
                "https://dd/webhook/t", false).toString();
        assertEquals("{\"instance_prompt\":\"photo of adhik person\",\"class_prompt\":\"photo of person\","
                + "\"base_model_id\":\"portraitplus-diffusion\",\"images\":[\"https://x/1.jpg\",\"https://x/2.jpg\"],"
                + "\"seed\":\"0\",\"training_type\":\"men\",\"max_train_steps\":\"4\",\"webhook\":\"https://dd/webhook/t\"}",
                json);
        assertEquals("/api/v3/fine_tune", TrainingPayload.path(TrainingKind.DREAMBOOTH, false));
    }

    @Test
    void dreamboothV2HasLearningRatesAndStepsInsteadOfMaxTrainSteps() {
        String json = TrainingPayload.build(settings(TrainingKind.DREAMBOOTH_V2, 700, "0"), IMAGES, IMAGES.size(), "w", false)
                .toString();
        assertEquals("{\"instance_prompt\":\"photo of adhik person\",\"class_prompt\":\"photo of person\","
                + "\"base_model_id\":\"portraitplus-diffusion\",\"images\":[\"https://x/1.jpg\",\"https://x/2.jpg\"],"
                + "\"seed\":\"0\",\"training_type\":\"men\",\"learning_rate_unet\":\"1e-6\",\"steps_unet\":\"1500\","
                + "\"learning_rate_text_encoder\":\"2e-6\",\"steps_text_encoder\":\"350\",\"webhook\":\"w\"}", json);
        assertEquals("/api/v3/fine_tune_v2", TrainingPayload.path(TrainingKind.DREAMBOOTH_V2, false));
    }

    @Test
    void loraHasItsTypesAndNoBaseModelId() {
        String json = TrainingPayload.build(settings(TrainingKind.LORA, null, null), IMAGES, IMAGES.size(), "w", false).toString();
        assertEquals("{\"instance_prompt\":\"photo of adhik person\",\"class_prompt\":\"photo of person\","
                + "\"base_model_type\":\"sdxl\",\"negative_prompt\":null,"
                + "\"images\":[\"https://x/1.jpg\",\"https://x/2.jpg\"],\"seed\":null,\"training_type\":\"men\","
                + "\"lora_type\":\"lycoris\",\"max_train_steps\":\"4\",\"webhook\":\"w\"}", json);
        assertEquals("/api/v3/lora_fine_tune", TrainingPayload.path(TrainingKind.LORA, false));
    }

    @Test
    void theVendorsSandboxTakesDreamboothWithoutBaseModelId() {
        String json = TrainingPayload.build(settings(TrainingKind.DREAMBOOTH, null, "0"), IMAGES, IMAGES.size(), "w", true)
                .toString();
        assertEquals("{\"instance_prompt\":\"photo of adhik person\",\"class_prompt\":\"photo of person\","
                + "\"images\":[\"https://x/1.jpg\",\"https://x/2.jpg\"],\"seed\":\"0\",\"training_type\":\"men\","
                + "\"max_train_steps\":\"4\",\"webhook\":\"w\"}", json);
        assertEquals("/api/sandbox/v3/fine_tune", TrainingPayload.path(TrainingKind.DREAMBOOTH, true));
        assertThrows(IllegalArgumentException.class, () -> TrainingPayload.path(TrainingKind.LORA, true));
    }

    @Test
    void stepsAreTwiceTheImagesCappedAt2000UnlessTheSetSays() {
        TrainingSettings none = settings(TrainingKind.DREAMBOOTH, null, null);
        assertEquals(16, TrainingPayload.maxTrainSteps(none, 8));
        assertEquals(2000, TrainingPayload.maxTrainSteps(none, 1500));
        assertEquals(700, TrainingPayload.maxTrainSteps(settings(TrainingKind.DREAMBOOTH, 700, null), 8));
        assertEquals("null", TrainingPayload.build(none, Collections.nCopies(1, "u"), 1, "w", false).get("seed").toString());
    }

    @Test
    void backoffGrowsIsCappedAndHonoursRetryAfter() {
        RetryPolicy policy = new RetryPolicy(6, Duration.ofSeconds(2), Duration.ofSeconds(60), 3);
        assertEquals(Duration.ofSeconds(2), policy.delayAfter(1, null));
        assertEquals(Duration.ofSeconds(8), policy.delayAfter(3, null));
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(10, null));
        assertEquals(Duration.ofSeconds(30), policy.delayAfter(1, Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(4), policy.delayAfter(2, Duration.ofSeconds(1)));
    }
}
