package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.intake.TrainingSettings;

import java.util.List;

/**
 * The training request exactly as the vendor documents it for each kind: the vendor's field names and order,
 * numbers as strings like the vendor's examples. The key is added by the API client, never here.
 */
public final class TrainingPayload {

    public static final int MAX_TRAIN_STEPS = 2000;

    private TrainingPayload() {
    }

    /** Where a set of this kind is sent; the vendor's sandbox has a Dreambooth endpoint only. */
    public static String path(TrainingKind kind, boolean vendorSandbox) {
        if (vendorSandbox && kind != TrainingKind.DREAMBOOTH) {
            throw new IllegalArgumentException("the vendor's sandbox does not train " + kind.manifestName());
        }
        return vendorSandbox ? TrainingKind.VENDOR_SANDBOX_PATH : kind.path();
    }

    /**
     * @param images     the links of the photos, or none yet when they are uploaded to the vendor's storage before
     *                   the request is sent ({@link #putImages})
     * @param imageCount how many photos the set has
     * @param webhookUrl empty when DreamDrop has no public URL: the API then sends no webhooks
     */
    public static ObjectNode build(TrainingSettings settings, List<String> images, int imageCount, String webhookUrl,
                                   boolean vendorSandbox) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("instance_prompt", settings.instancePrompt());
        payload.put("class_prompt", settings.classPrompt());
        switch (settings.kind()) {
            case DREAMBOOTH -> {
                if (!vendorSandbox) {
                    payload.put("base_model_id", settings.baseModelId());
                }
                putImagesSeedAndType(payload, settings, images);
                payload.put("max_train_steps", String.valueOf(maxTrainSteps(settings, imageCount)));
            }
            case DREAMBOOTH_V2 -> {
                payload.put("base_model_id", settings.baseModelId());
                putImagesSeedAndType(payload, settings, images);
                TrainingSettings.DreamboothV2 v2 = settings.v2();
                payload.put("learning_rate_unet", v2.learningRateUnet());
                payload.put("steps_unet", String.valueOf(v2.stepsUnet()));
                payload.put("learning_rate_text_encoder", v2.learningRateTextEncoder());
                payload.put("steps_text_encoder", String.valueOf(v2.stepsTextEncoder()));
            }
            case LORA -> {
                TrainingSettings.Lora lora = settings.lora();
                payload.put("base_model_type", lora.baseModelType());
                payload.put("negative_prompt", lora.negativePrompt());
                putImagesSeedAndType(payload, settings, images);
                payload.put("lora_type", lora.loraType());
                payload.put("max_train_steps", String.valueOf(maxTrainSteps(settings, imageCount)));
            }
        }
        payload.put("webhook", webhookUrl);
        return payload;
    }

    /** The photos' links, in the place the request has for them. */
    public static void putImages(ObjectNode payload, List<String> images) {
        images.forEach(payload.putArray("images")::add);
    }

    private static void putImagesSeedAndType(ObjectNode payload, TrainingSettings settings, List<String> images) {
        putImages(payload, images);
        payload.put("seed", settings.seed());
        payload.put("training_type", settings.trainingType());
    }

    /** The vendor's written rule, 2 x the number of images capped at 2000, unless the set asks otherwise. */
    static int maxTrainSteps(TrainingSettings settings, int imageCount) {
        return settings.maxTrainSteps() != null ? settings.maxTrainSteps() : Math.min(2 * imageCount, MAX_TRAIN_STEPS);
    }
}
