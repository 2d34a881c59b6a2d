package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.intake.TrainingSettings;

import java.util.List;

/**
 * The {@code fine_tune} request exactly as the vendor documents it: the vendor's field names and order, numbers
 * as strings like the vendor's examples. The key is added by the API client, never here.
 */
public final class FineTunePayload {

    public static final String PATH = "/api/v3/fine_tune";
    public static final int MAX_TRAIN_STEPS = 2000;

    private FineTunePayload() {
    }

    public static ObjectNode build(TrainingSettings settings, List<String> images, String webhookUrl) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.put("instance_prompt", settings.instancePrompt());
        payload.put("class_prompt", settings.classPrompt());
        payload.put("base_model_id", settings.baseModelId());
        images.forEach(payload.putArray("images")::add);
        payload.put("seed", settings.seed());
        payload.put("training_type", settings.trainingType());
        payload.put("max_train_steps", String.valueOf(maxTrainSteps(settings, images.size())));
        payload.put("webhook", webhookUrl);
        return payload;
    }

    /** The vendor's written rule, 2 x the number of images capped at 2000, unless the set asks otherwise. */
    static int maxTrainSteps(TrainingSettings settings, int imageCount) {
        return settings.maxTrainSteps() != null ? settings.maxTrainSteps() : Math.min(2 * imageCount, MAX_TRAIN_STEPS);
    }
}
