package dev.dreamdrop.api;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The kinds of training a set can ask for, each with its endpoint and the manifest fields only it takes (the
 * fields every kind takes are listed in the manifest reader).
 */
public enum TrainingKind {

    DREAMBOOTH("dreambooth", "/api/v3/fine_tune", List.of("base_model_id", "max_train_steps")),
    DREAMBOOTH_V2("dreambooth_v2", "/api/v3/fine_tune_v2", List.of("base_model_id", "learning_rate_unet",
            "steps_unet", "learning_rate_text_encoder", "steps_text_encoder")),
    LORA("lora", "/api/v3/lora_fine_tune", List.of("base_model_type", "lora_type", "max_train_steps"));

    /** The vendor's sandbox: Dreambooth only, and without base_model_id. */
    public static final String VENDOR_SANDBOX_PATH = "/api/sandbox/v3/fine_tune";

    private final String manifestName;
    private final String path;
    private final List<String> ownFields;

    TrainingKind(String manifestName, String path, List<String> ownFields) {
        this.manifestName = manifestName;
        this.path = path;
        this.ownFields = ownFields;
    }

    /** As a manifest writes it: {@code dreambooth}, {@code dreambooth_v2}, {@code lora}. */
    public String manifestName() {
        return manifestName;
    }

    public String path() {
        return path;
    }

    /** Manifest fields that only this kind takes. */
    public List<String> ownFields() {
        return ownFields;
    }

    public static Optional<TrainingKind> fromManifest(String name) {
        return Arrays.stream(values()).filter(kind -> kind.manifestName.equals(name)).findFirst();
    }

    public static List<String> manifestNames() {
        return Arrays.stream(values()).map(TrainingKind::manifestName).toList();
    }
}
