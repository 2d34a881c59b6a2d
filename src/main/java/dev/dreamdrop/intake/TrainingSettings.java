package dev.dreamdrop.intake;

import dev.dreamdrop.api.TrainingKind;

import java.util.List;

/**
 * What a set asks for, its manifest merged over the configured defaults, in the API's own terms. The fields of
 * every kind are present; the request of the set's kind takes the ones it knows.
 *
 * @param maxTrainSteps  null to use the API's rule: 2 x the number of images, at most 2000
 * @param seed           null for a random seed
 * @param notifyStatuses statuses that send email for this set, or null for the configured ones
 * @param notifyUrl      receivers of this set's status events, besides dreamdrop.events.urls
 * @param crop           {@code face} (around the face or faces of a person set) or {@code centre}
 * @param samples        what the set asks of its sample images
 */
public record TrainingSettings(TrainingKind kind, String instancePrompt, String classPrompt, String baseModelId,
                               String trainingType, Integer maxTrainSteps, String seed, DreamboothV2 v2, Lora lora,
                               List<String> notifyEmail, List<String> notifyStatuses, List<String> notifyUrl,
                               String crop, Samples samples) {

    /** A set that asks nothing of its samples: the configured prompts and negative prompt. */
    public static final Samples CONFIGURED_SAMPLES = new Samples(null, null);

    /** Dreambooth v2's learning rates (as the vendor writes them, e.g. {@code 1e-6}) and step counts. */
    public record DreamboothV2(String learningRateUnet, Integer stepsUnet, String learningRateTextEncoder,
                               Integer stepsTextEncoder) {
    }

    /**
     * The manifest's {@code sample_prompts} and {@code negative_prompt}.
     *
     * @param prompts        null for the configured ones (dreamdrop.samples.prompts); empty for no samples
     * @param negativePrompt null for the configured one (dreamdrop.samples.negative-prompt)
     */
    public record Samples(List<String> prompts, String negativePrompt) {
    }

    /**
     * LoRA's own fields.
     *
     * @param negativePrompt null to leave it to the vendor's default
     */
    public record Lora(String baseModelType, String loraType, String negativePrompt) {
    }
}
