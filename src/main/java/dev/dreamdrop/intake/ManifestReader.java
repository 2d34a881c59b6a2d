package dev.dreamdrop.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dreamdrop.api.TrainingStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a set's manifest ({@code training.yaml}, {@code training.yml} or {@code training.json}), checks every
 * field, and merges it over the configured defaults. Every problem is reported, not just the first.
 */
public class ManifestReader {

    public static final List<String> MANIFEST_NAMES = List.of("training.yaml", "training.yml", "training.json");
    static final List<String> FIELDS = List.of("instance_prompt", "class_prompt", "base_model_id", "training_type",
            "max_train_steps", "seed", "notify_email", "notify_statuses");
    static final Set<String> TRAINING_TYPES = Set.of("men", "female", "women", "couple", "null");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s<>,;\"]+@[^@\\s<>,;\"]+\\.[^@\\s<>,;\"]+");
    private static final int MAX_STEPS = 2000;

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private final ObjectMapper json = new ObjectMapper();
    private final TrainingSettings defaults;

    /** @param defaults values for fields a manifest leaves out; {@code maxTrainSteps} null means 2 x images */
    public ManifestReader(TrainingSettings defaults) {
        this.defaults = defaults;
    }

    /** The manifest file of a set, if it has one. */
    public static Path manifestOf(Path setDir) {
        return MANIFEST_NAMES.stream().map(setDir::resolve).filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Reads and checks a set's manifest; problems are added to {@code problems}. */
    public TrainingSettings read(Path setDir, List<SetProblem> problems) {
        Path manifest = manifestOf(setDir);
        JsonNode fields = json.createObjectNode();
        if (manifest != null) {
            String name = manifest.getFileName().toString();
            try {
                JsonNode parsed = (name.endsWith(".json") ? json : yaml).readTree(manifest.toFile());
                if (parsed == null || parsed.isMissingNode() || parsed.isNull()) {
                    parsed = json.createObjectNode();
                }
                if (!parsed.isObject()) {
                    problems.add(SetProblem.ofFile(name, "must hold field: value pairs such as "
                            + "'instance_prompt: photo of sks person', not a list or a single value"));
                    return null;
                }
                fields = parsed;
            } catch (JsonProcessingException e) {
                problems.add(SetProblem.ofFile(name, "cannot be read: " + e.getOriginalMessage()
                        + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")
                        + "; fix its syntax or remove the file to use the defaults"));
                return null;
            } catch (IOException e) {
                problems.add(SetProblem.ofFile(name, "cannot be read: " + e.getMessage()));
                return null;
            }
        }
        return check(fields, problems);
    }

    private TrainingSettings check(JsonNode fields, List<SetProblem> problems) {
        for (Iterator<String> names = fields.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                String closest = closest(field);
                problems.add(SetProblem.ofField(field, "is not a manifest field"
                        + (closest != null ? "; did you mean '" + closest + "'?" : "")
                        + " Known fields: " + String.join(", ", FIELDS)));
            }
        }
        String instancePrompt = text(fields, "instance_prompt", defaults.instancePrompt(), problems);
        if (instancePrompt == null || instancePrompt.isBlank()) {
            problems.add(SetProblem.ofField("instance_prompt", fields.has("instance_prompt")
                    ? "is empty; describe the subject with a unique word, e.g. 'photo of sks person'"
                    : "is missing; add 'instance_prompt: photo of sks person' (with a unique word for your subject)"
                    + " to training.yaml, or set dreamdrop.defaults.instance-prompt"));
        }
        String classPrompt = text(fields, "class_prompt", defaults.classPrompt(), problems);
        String baseModelId = text(fields, "base_model_id", defaults.baseModelId(), problems);
        String trainingType = trainingType(fields, problems);
        Integer steps = maxTrainSteps(fields, problems);
        String seed = seed(fields, problems);
        List<String> notify = notifyEmail(fields, problems);
        List<String> notifyStatuses = notifyStatuses(fields, problems);
        return new TrainingSettings(instancePrompt, classPrompt, baseModelId, trainingType, steps, seed, notify,
                notifyStatuses);
    }

    private String text(JsonNode fields, String field, String fallback, List<SetProblem> problems) {
        JsonNode value = fields.get(field);
        if (value == null) {
            return fallback;
        }
        if (value.isNull()) {
            return "";
        }
        if (!value.isValueNode()) {
            problems.add(SetProblem.ofField(field, "must be a single line of text"));
            return fallback;
        }
        String text = value.asText().trim();
        if (text.isEmpty() && !field.equals("instance_prompt")) {
            problems.add(SetProblem.ofField(field, "is empty; give a value or leave the field out to use the default"));
        }
        return text;
    }

    private String trainingType(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("training_type");
        if (value == null) {
            return defaults.trainingType();
        }
        String type = value.isNull() ? "null" : value.asText().trim();
        if (!TRAINING_TYPES.contains(type)) {
            problems.add(SetProblem.ofField("training_type", "is '" + type + "', which the API does not know;"
                    + " use men, female, couple or null"));
        }
        return type;
    }

    private Integer maxTrainSteps(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("max_train_steps");
        if (value == null) {
            return defaults.maxTrainSteps();
        }
        Integer steps = integer(value);
        if (steps == null) {
            problems.add(SetProblem.ofField("max_train_steps", "is '" + value.asText() + "', not a whole number;"
                    + " use a number from 1 to " + MAX_STEPS + ", or leave it out for 2 x the number of photos"));
        } else if (steps < 1 || steps > MAX_STEPS) {
            problems.add(SetProblem.ofField("max_train_steps", "is " + steps + ", outside 1.." + MAX_STEPS
                    + "; the API allows at most " + MAX_STEPS + " steps"));
        }
        return steps;
    }

    private String seed(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("seed");
        if (value == null) {
            return defaults.seed();
        }
        if (value.isNull()) {
            return null;
        }
        if (integer(value) == null || integer(value) < 0) {
            problems.add(SetProblem.ofField("seed", "is '" + value.asText() + "'; use a whole number of 0 or more,"
                    + " or null for a random seed"));
            return null;
        }
        return String.valueOf(integer(value));
    }

    private List<String> notifyEmail(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("notify_email");
        List<String> addresses = new ArrayList<>();
        if (value == null || value.isNull()) {
            return addresses;
        }
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        } else {
            items.add(value);
        }
        for (JsonNode item : items) {
            String address = item.asText();
            if (!item.isTextual() || !EMAIL.matcher(address).matches()) {
                problems.add(SetProblem.ofField("notify_email", "'" + printable(address)
                        + "' is not one e-mail address; give one address or a list of addresses"));
            } else {
                addresses.add(address);
            }
        }
        return addresses;
    }

    private List<String> notifyStatuses(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("notify_statuses");
        if (value == null || value.isNull()) {
            return defaults.notifyStatuses();
        }
        List<String> statuses = new ArrayList<>();
        for (JsonNode item : value.isArray() ? value : json.createArrayNode().add(value)) {
            for (String status : item.asText().split(",")) {
                String trimmed = status.trim();
                if (TrainingStatus.ALL.contains(trimmed)) {
                    statuses.add(trimmed);
                } else if (!trimmed.isEmpty()) {
                    problems.add(SetProblem.ofField("notify_statuses", "'" + printable(trimmed)
                            + "' is not a status; use some of " + String.join(", ", TrainingStatus.ALL)));
                }
            }
        }
        return statuses;
    }

    private static Integer integer(JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToInt()) {
            return value.intValue();
        }
        if (value.isTextual()) {
            try {
                return Integer.parseInt(value.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** Shows control characters instead of letting them into a report. */
    private static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    private static String closest(String field) {
        return FIELDS.stream()
                .filter(known -> distance(known, field) <= 3)
                .min(Comparator.comparingInt(known -> distance(known, field)))
                .orElse(null);
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
