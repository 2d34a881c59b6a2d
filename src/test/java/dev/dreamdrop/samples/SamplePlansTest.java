package dev.dreamdrop.samples;

import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.intake.TrainingSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which samples a set gets: its own prompts, else the configured templates, else portraits or views; capped. */
class SamplePlansTest {

    private static TrainingSettings set(TrainingKind kind, String trainingType, String baseModelType,
                                        TrainingSettings.Samples samples) {
        return new TrainingSettings(kind, "photo of sks person", "photo of person", "base", trainingType, null, null,
                new TrainingSettings.DreamboothV2("1e-6", 1, "1e-6", 1),
                new TrainingSettings.Lora(baseModelType, "lora", null), List.of(), null, List.of(), "face", samples);
    }

    private static SamplePlans plans(int count, List<String> templates) {
        return new SamplePlans(null, count, templates, "blurry", 1234, "realistic-vision-v51", "sdxl");
    }

    @Test
    void aPersonSetGetsPortraitsWithFixedSeedsAndTheConfiguredNegativePrompt() {
        List<SampleStore.Planned> planned = plans(4, List.of()).samplesOf(set(TrainingKind.DREAMBOOTH, "female",
                "normal", TrainingSettings.CONFIGURED_SAMPLES));
        assertEquals(4, planned.size());
        assertEquals("photo of sks person, close-up portrait, soft window light, 85mm photo, sharp focus",
                planned.get(0).prompt());
        assertEquals(List.of(1234L, 1235L, 1236L, 1237L), planned.stream().map(SampleStore.Planned::seed).toList());
        assertEquals("blurry", planned.get(0).negativePrompt());
        assertNull(planned.get(0).loraBaseModel());
    }

    @Test
    void anObjectSetGetsViewsAndTheCountCapsThem() {
        List<SampleStore.Planned> planned = plans(2, List.of()).samplesOf(set(TrainingKind.DREAMBOOTH, "null",
                "normal", TrainingSettings.CONFIGURED_SAMPLES));
        assertEquals(List.of("photo of sks person, product photo on a white background, studio lighting",
                "photo of sks person, on a wooden table, natural light, photo"),
                planned.stream().map(SampleStore.Planned::prompt).toList());
    }

    @Test
    void theSetsOwnPromptsAndNegativePromptWinAndZeroTurnsSamplesOff() {
        TrainingSettings.Samples own = new TrainingSettings.Samples(List.of("{instance_prompt} at sea"), "cartoon");
        List<SampleStore.Planned> planned = plans(4, List.of("{instance_prompt}, configured")).samplesOf(
                set(TrainingKind.LORA, "men", "sdxl", own));
        assertEquals(1, planned.size());
        assertEquals("photo of sks person at sea", planned.get(0).prompt());
        assertEquals("cartoon", planned.get(0).negativePrompt());
        assertEquals("lora", planned.get(0).kind());
        assertEquals("sdxl", planned.get(0).loraBaseModel(), "an SDXL LoRA on the SDXL base");
        assertEquals("photo of sks person, configured", plans(4, List.of("{instance_prompt}, configured"))
                .samplesOf(set(TrainingKind.DREAMBOOTH, "men", "normal", TrainingSettings.CONFIGURED_SAMPLES)).get(0)
                .prompt());
        assertEquals(List.of(), plans(0, List.of()).samplesOf(set(TrainingKind.DREAMBOOTH, "men", "normal",
                TrainingSettings.CONFIGURED_SAMPLES)));
    }
}
