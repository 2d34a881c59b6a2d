package dev.dreamdrop.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.events.StatusEvents;
import dev.dreamdrop.net.ReceiverPolicy;
import dev.dreamdrop.api.TrainingStatus;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a set's manifest ({@code training.yaml}, {@code training.yml} or {@code training.json}), checks every
 * field, and merges it over the configured defaults. Every problem is reported, not just the first.
 */
public class ManifestReader {

    public static final List<String> MANIFEST_NAMES = List.of("training.yaml", "training.yml", "training.json");
    /** Fields every kind takes; each kind adds its own ({@link TrainingKind#ownFields()}). */
    static final List<String> COMMON_FIELDS = List.of("kind", "instance_prompt", "class_prompt", "training_type",
            "seed", "notify_email", "notify_statuses", "notify_url", "crop", "negative_prompt", "sample_prompts");
    public static final List<String> CROPS = List.of("face", "centre");
    static final Set<String> TRAINING_TYPES = Set.of("men", "female", "women", "couple", "null");
    static final List<String> LORA_BASE_MODEL_TYPES = List.of("normal", "sdxl");
    static final List<String> LORA_TYPES = List.of("lora", "lycoris");
    /** Bounds of what a set's writer may ask for: a manifest file, a text field, addresses and receivers. */
    public static final int MAX_MANIFEST_BYTES = 64 * 1024;
    public static final int MAX_TEXT_LENGTH = 1000;
    public static final int MAX_ADDRESSES = 20;
    public static final int MAX_RECEIVERS = 5;
    public static final int MAX_SAMPLE_PROMPTS = 8;
    /** Words of an instance prompt that do not name the subject: a sample prompt must share another one with it. */
    private static final Set<String> COMMON_WORDS = Set.of("a", "an", "the", "of", "in", "on", "at", "with", "and",
            "photo", "picture", "image", "portrait", "person", "man", "woman", "men", "women", "female", "male",
            "boy", "girl", "couple", "dog", "cat", "object", "product");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s<>,;\"]+@[^@\\s<>,;\"]+\\.[^@\\s<>,;\"]+");
    private static final int MAX_STEPS = 2000;

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private final ObjectMapper json = new ObjectMapper();
    private final TrainingSettings defaults;
    private final List<String> v2LearningRates;
    private final boolean vendorSandbox;
    private final ReceiverPolicy receivers;
    private final Set<String> mailDomains;

    /**
     * @param defaults        values for fields a manifest leaves out; {@code maxTrainSteps} null means 2 x images
     * @param v2LearningRates the learning rates Dreambooth v2 accepts, as they are sent
     * @param vendorSandbox   sets go to the vendor's sandbox endpoint, which trains Dreambooth only
     * @param receivers       where a set's notify_url may point: the public internet, and hosts an operator allows
     * @param mailDomains     the only domains a set's notify_email may name (lower case); empty = any
     */
    public ManifestReader(TrainingSettings defaults, List<String> v2LearningRates, boolean vendorSandbox,
                          ReceiverPolicy receivers, List<String> mailDomains) {
        this.defaults = defaults;
        this.receivers = receivers;
        this.mailDomains = mailDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.v2LearningRates = List.copyOf(v2LearningRates);
        this.vendorSandbox = vendorSandbox;
        List<SetProblem> problems = new ArrayList<>();
        learningRate(defaults.v2().learningRateUnet(), "learning_rate_unet", problems);
        learningRate(defaults.v2().learningRateTextEncoder(), "learning_rate_text_encoder", problems);
        oneOf(defaults.lora().baseModelType(), "base_model_type", LORA_BASE_MODEL_TYPES, problems);
        oneOf(defaults.lora().loraType(), "lora_type", LORA_TYPES, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("The configured defaults (dreamdrop.defaults.*) are not valid: "
                    + problems);
        }
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
                if (Files.size(manifest) > MAX_MANIFEST_BYTES) {
                    problems.add(SetProblem.ofFile(name, "is " + Files.size(manifest) + " bytes; a manifest may be at"
                            + " most " + MAX_MANIFEST_BYTES + " bytes (a few lines of field: value pairs)"));
                    return null;
                }
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
        TrainingKind kind = kind(fields, problems);
        rejectUnknownFields(fields, kind, problems);
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
        Integer steps = steps(fields, "max_train_steps", defaults.maxTrainSteps(), problems);
        String seed = seed(fields, problems);
        TrainingSettings.DreamboothV2 v2 = new TrainingSettings.DreamboothV2(
                learningRate(fields, "learning_rate_unet", defaults.v2().learningRateUnet(), problems),
                steps(fields, "steps_unet", defaults.v2().stepsUnet(), problems),
                learningRate(fields, "learning_rate_text_encoder", defaults.v2().learningRateTextEncoder(), problems),
                steps(fields, "steps_text_encoder", defaults.v2().stepsTextEncoder(), problems));
        TrainingSettings.Lora lora = new TrainingSettings.Lora(
                choice(fields, "base_model_type", defaults.lora().baseModelType(), LORA_BASE_MODEL_TYPES, problems),
                choice(fields, "lora_type", defaults.lora().loraType(), LORA_TYPES, problems),
                fields.has("negative_prompt") && fields.get("negative_prompt").isNull() ? null
                        : text(fields, "negative_prompt", defaults.lora().negativePrompt(), problems));
        List<String> notify = notifyEmail(fields, problems);
        List<String> notifyStatuses = notifyStatuses(fields, problems);
        TrainingSettings.Samples samples = new TrainingSettings.Samples(
                samplePrompts(fields, instancePrompt, problems),
                fields.has("negative_prompt") ? lora.negativePrompt() : null);
        return new TrainingSettings(kind, instancePrompt, classPrompt, baseModelId, trainingType, steps, seed, v2,
                lora, notify, notifyStatuses, notifyUrl(fields, problems),
                choice(fields, "crop", defaults.crop(), CROPS, problems), samples);
    }

    /**
     * The set's own prompts for its sample images, each of which must name the subject: with the placeholder
     * {@code {instance_prompt}}, or a word of the instance prompt (its token, e.g. sks), since the API adds nothing.
     */
    private List<String> samplePrompts(JsonNode fields, String instancePrompt, List<SetProblem> problems) {
        JsonNode value = fields.get("sample_prompts");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.size() > MAX_SAMPLE_PROMPTS) {
            problems.add(SetProblem.ofField("sample_prompts", "must be a list of at most " + MAX_SAMPLE_PROMPTS
                    + " prompts, each naming the subject, e.g. ['{instance_prompt}, portrait in a park']"));
            return null;
        }
        Set<String> subject = words(instancePrompt == null ? "" : instancePrompt);
        subject.removeAll(COMMON_WORDS);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            String field = "sample_prompts[" + (i + 1) + "]";
            JsonNode item = value.get(i);
            String prompt = item.isTextual() ? item.asText().trim() : "";
            if (prompt.isEmpty() || prompt.length() > MAX_TEXT_LENGTH) {
                problems.add(SetProblem.ofField(field, "must be a line of text of 1 to " + MAX_TEXT_LENGTH
                        + " characters"));
            } else if (!prompt.contains("{instance_prompt}") && !subject.isEmpty()
                    && words(prompt).stream().noneMatch(subject::contains)) {
                problems.add(SetProblem.ofField(field, "'" + printable(prompt) + "' does not name the subject; include"
                        + " {instance_prompt} or its word " + subject.iterator().next() + ", or the image will not"
                        + " show it"));
            }
            prompts.add(prompt);
        }
        return prompts;
    }

    private static Set<String> words(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")).filter(w -> !w.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private TrainingKind kind(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("kind");
        TrainingKind kind = defaults.kind();
        if (value != null) {
            String name = value.asText().trim();
            kind = TrainingKind.fromManifest(name).orElse(null);
            if (kind == null) {
                problems.add(SetProblem.ofField("kind", "is '" + printable(name) + "'; use one of "
                        + String.join(", ", TrainingKind.manifestNames()) + " (or leave it out for "
                        + defaults.kind().manifestName() + ")"));
                return defaults.kind();
            }
        }
        if (vendorSandbox && kind != TrainingKind.DREAMBOOTH) {
            problems.add(SetProblem.ofField("kind", "is " + kind.manifestName() + ", but DreamDrop is set to the"
                    + " vendor's sandbox (dreamdrop.api.vendor-sandbox=true), which trains dreambooth only;"
                    + " use kind dreambooth, or turn the sandbox setting off"));
        }
        return kind;
    }

    private static List<String> fieldsOf(TrainingKind kind) {
        List<String> fields = new ArrayList<>(COMMON_FIELDS);
        fields.addAll(kind.ownFields());
        return fields;
    }

    private static void rejectUnknownFields(JsonNode fields, TrainingKind kind, List<SetProblem> problems) {
        List<String> known = fieldsOf(kind);
        for (Iterator<String> names = fields.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (known.contains(field)) {
                continue;
            }
            List<String> owners = Arrays.stream(TrainingKind.values())
                    .filter(other -> other.ownFields().contains(field)).map(TrainingKind::manifestName).toList();
            if (!owners.isEmpty()) {
                problems.add(SetProblem.ofField(field, "is not a field of kind " + kind.manifestName()
                        + " but of kind " + String.join(" and ", owners) + "; set 'kind: " + owners.get(0)
                        + "' or remove the field. Fields of " + kind.manifestName() + ": " + String.join(", ", known)));
                continue;
            }
            String closest = closest(field, known);
            problems.add(SetProblem.ofField(field, "is not a manifest field"
                    + (closest != null ? "; did you mean '" + closest + "'?" : "")
                    + " Fields of kind " + kind.manifestName() + ": " + String.join(", ", known)));
        }
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
        if (text.length() > MAX_TEXT_LENGTH) {
            problems.add(SetProblem.ofField(field, "is " + text.length() + " characters long; at most "
                    + MAX_TEXT_LENGTH + " are allowed"));
            return fallback;
        }
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

    private Integer steps(JsonNode fields, String field, Integer fallback, List<SetProblem> problems) {
        JsonNode value = fields.get(field);
        if (value == null) {
            return fallback;
        }
        Integer steps = integer(value);
        String leaveOut = field.equals("max_train_steps") ? "2 x the number of photos" : "the default";
        if (steps == null) {
            problems.add(SetProblem.ofField(field, "is '" + printable(value.asText()) + "', not a whole number;"
                    + " use a number from 1 to " + MAX_STEPS + ", or leave it out for " + leaveOut));
        } else if (steps < 1 || steps > MAX_STEPS) {
            problems.add(SetProblem.ofField(field, "is " + steps + ", outside 1.." + MAX_STEPS
                    + "; the API allows at most " + MAX_STEPS + " steps"));
        }
        return steps;
    }

    private String learningRate(JsonNode fields, String field, String fallback, List<SetProblem> problems) {
        JsonNode value = fields.get(field);
        return value == null ? fallback : learningRate(value.asText().trim(), field, problems);
    }

    /** The allowed rate equal to {@code text} (so {@code 0.000001} is sent as the vendor writes it, {@code 1e-6}). */
    private String learningRate(String text, String field, List<SetProblem> problems) {
        BigDecimal rate = decimal(text);
        Optional<String> allowed = v2LearningRates.stream()
                .filter(candidate -> rate != null && decimal(candidate).compareTo(rate) == 0).findFirst();
        if (allowed.isEmpty()) {
            problems.add(SetProblem.ofField(field, "is '" + printable(text) + "', which the API does not accept"
                    + " for Dreambooth v2; use one of " + String.join(", ", v2LearningRates)));
            return text;
        }
        return allowed.get();
    }

    private static String choice(JsonNode fields, String field, String fallback, List<String> allowed,
                                 List<SetProblem> problems) {
        JsonNode value = fields.get(field);
        return value == null ? fallback : oneOf(value.asText().trim(), field, allowed, problems);
    }

    private static String oneOf(String value, String field, List<String> allowed, List<SetProblem> problems) {
        if (!allowed.contains(value)) {
            problems.add(SetProblem.ofField(field, "is '" + printable(value) + "'; use "
                    + String.join(" or ", allowed)));
        }
        return value;
    }

    private static BigDecimal decimal(String text) {
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
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
        if (items.size() > MAX_ADDRESSES) {
            problems.add(SetProblem.ofField("notify_email", "lists " + items.size() + " addresses; at most "
                    + MAX_ADDRESSES + " are allowed"));
            return addresses;
        }
        for (JsonNode item : items) {
            String address = item.asText();
            if (!item.isTextual() || !EMAIL.matcher(address).matches()) {
                problems.add(SetProblem.ofField("notify_email", "'" + printable(address)
                        + "' is not one e-mail address; give one address or a list of addresses"));
            } else if (!mailDomains.isEmpty() && !mailDomains.contains(
                    address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT))) {
                problems.add(SetProblem.ofField("notify_email", "'" + printable(address) + "' is outside the domains"
                        + " DreamDrop may mail (dreamdrop.mail.allowed-domains: " + String.join(", ",
                        new TreeSet<>(mailDomains)) + ")"));
            } else {
                addresses.add(address);
            }
        }
        return addresses;
    }

    /** Receivers of the set's own status events: one http(s) URL or a list. */
    private List<String> notifyUrl(JsonNode fields, List<SetProblem> problems) {
        JsonNode value = fields.get("notify_url");
        List<String> urls = new ArrayList<>();
        if (value == null || value.isNull()) {
            return urls;
        }
        if (value.isArray() && value.size() > MAX_RECEIVERS) {
            problems.add(SetProblem.ofField("notify_url", "lists " + value.size() + " URLs; at most " + MAX_RECEIVERS
                    + " are allowed"));
            return urls;
        }
        for (JsonNode item : value.isArray() ? value : json.createArrayNode().add(value)) {
            try {
                if (!item.isTextual() || item.asText().length() > 2048) {
                    throw new IllegalArgumentException("not a URL");
                }
                StatusEvents.checkReceiver(item.asText(), "notify_url");
                String refusal = receivers.refusal(item.asText());
                if (refusal != null) {
                    problems.add(SetProblem.ofField("notify_url", "'" + printable(item.asText()) + "' " + refusal
                            + ": a set may only name receivers on the public internet (an operator can allow a host"
                            + " with dreamdrop.events.allowed-hosts)"));
                    continue;
                }
                urls.add(item.asText());
            } catch (IllegalArgumentException e) {
                problems.add(SetProblem.ofField("notify_url", "'" + printable(item.asText())
                        + "' is not an http:// or https:// URL; give one URL or a list of URLs"));
            }
        }
        return urls;
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

    private static String closest(String field, List<String> fields) {
        return fields.stream()
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
