package dev.dreamdrop.samples;

import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.intake.TrainingSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which sample images a set gets, decided when its training request is journalled: one per prompt (the manifest's
 * {@code sample_prompts}, else the configured templates, else portraits for a person and views for an object), at
 * most {@code count}, each with a fixed seed so that a set trained again gives comparable pictures.
 */
public class SamplePlans {

    /** Stands for the set's instance prompt in a prompt template. */
    public static final String INSTANCE_PROMPT = "{instance_prompt}";
    static final List<String> PERSON_PROMPTS = List.of(
            INSTANCE_PROMPT + ", close-up portrait, soft window light, 85mm photo, sharp focus",
            INSTANCE_PROMPT + ", smiling, outdoors in a park at golden hour, photo",
            INSTANCE_PROMPT + ", professional headshot, studio lighting, plain grey background",
            INSTANCE_PROMPT + ", oil painting portrait, detailed brushwork");
    static final List<String> OBJECT_PROMPTS = List.of(
            INSTANCE_PROMPT + ", product photo on a white background, studio lighting",
            INSTANCE_PROMPT + ", on a wooden table, natural light, photo",
            INSTANCE_PROMPT + ", seen from above, flat lay, photo",
            INSTANCE_PROMPT + ", outdoors, shallow depth of field, photo");
    private static final Set<String> PERSON_TYPES = Set.of("men", "female", "women", "couple");

    private final SampleStore store;
    private final int count;
    private final List<String> templates;
    private final String negativePrompt;
    private final long firstSeed;
    private final String loraBaseModel;
    private final String loraSdxlBaseModel;

    /**
     * @param count     at most this many samples a set; 0 = none
     * @param templates the configured prompts; empty for the built-in ones
     */
    public SamplePlans(SampleStore store, int count, List<String> templates, String negativePrompt, long firstSeed,
                       String loraBaseModel, String loraSdxlBaseModel) {
        this.store = store;
        this.count = count;
        this.templates = List.copyOf(templates);
        this.negativePrompt = negativePrompt;
        this.firstSeed = firstSeed;
        this.loraBaseModel = loraBaseModel;
        this.loraSdxlBaseModel = loraSdxlBaseModel;
    }

    /** Journals the samples of the job's set (none when samples are off, or the set asks for none). */
    public void plan(String jobId, TrainingSettings settings) {
        store.plan(jobId, samplesOf(settings));
    }

    List<SampleStore.Planned> samplesOf(TrainingSettings settings) {
        TrainingSettings.Samples asked = settings.samples();
        List<String> prompts = asked.prompts() != null ? asked.prompts() : !templates.isEmpty() ? templates
                : PERSON_TYPES.contains(settings.trainingType()) ? PERSON_PROMPTS : OBJECT_PROMPTS;
        String negative = asked.negativePrompt() != null ? asked.negativePrompt() : negativePrompt;
        String base = settings.kind() != TrainingKind.LORA ? null
                : "sdxl".equals(settings.lora().baseModelType()) ? loraSdxlBaseModel : loraBaseModel;
        List<SampleStore.Planned> planned = new ArrayList<>();
        for (int i = 0; i < Math.min(count, prompts.size()); i++) {
            planned.add(new SampleStore.Planned(i + 1, prompts.get(i).replace(INSTANCE_PROMPT,
                    settings.instancePrompt()), negative == null || negative.isBlank() ? null : negative,
                    firstSeed + i, settings.kind().manifestName(), base));
        }
        return planned;
    }
}
