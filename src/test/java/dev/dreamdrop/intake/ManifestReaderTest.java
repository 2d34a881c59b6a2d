package dev.dreamdrop.intake;

import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.net.ReceiverPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestReaderTest {

    @TempDir
    Path set;

    private static final List<String> V2_RATES = List.of("1e-6", "2e-6", "5e-6");
    private static final TrainingSettings DEFAULTS = new TrainingSettings(TrainingKind.DREAMBOOTH, "",
            "photo of person", "portraitplus-diffusion", "null", null, null,
            new TrainingSettings.DreamboothV2("1e-6", 1500, "1e-6", 350),
            new TrainingSettings.Lora("normal", "lora", null), List.of(), null, List.of(), "face",
                TrainingSettings.CONFIGURED_SAMPLES);

    /**
     * Names resolve as this map says, others to nothing (no DNS in tests); literals are parsed, never connected to. The operator allows
     * events.internal.example.com.
     */
    private static final Map<String, String> NAMES = Map.of("app.example.com", "93.184.216.34",
            "internal.example.com", "10.1.2.3", "events.internal.example.com", "10.9.9.9",
            "localhost", "127.0.0.1");
    private static final ReceiverPolicy RECEIVERS = new ReceiverPolicy(Set.of("events.internal.example.com"),
            host -> {
                String literal = NAMES.getOrDefault(host, host);
                if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
                    return new InetAddress[0];
                }
                try {
                    return new InetAddress[] {InetAddress.getByName(literal)};
                } catch (UnknownHostException e) {
                    return new InetAddress[0];
                }
            });

    private final ManifestReader reader = new ManifestReader(DEFAULTS, V2_RATES, false, RECEIVERS, List.of());
    private final List<SetProblem> problems = new ArrayList<>();

    private TrainingSettings read(String name, String content) throws Exception {
        Files.writeString(set.resolve(name), content);
        return reader.read(set, problems);
    }

    @Test
    void manifestFieldsOverrideTheDefaults() throws Exception {
        TrainingSettings settings = read("training.yaml", String.join("\n",
                "instance_prompt: photo of sks woman",
                "class_prompt: photo of woman",
                "training_type: female",
                "max_train_steps: 800",
                "seed: 42",
                "notify_email: [a@example.com, b@example.org]"));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals("photo of sks woman", settings.instancePrompt());
        assertEquals("photo of woman", settings.classPrompt());
        assertEquals("portraitplus-diffusion", settings.baseModelId(), "default kept");
        assertEquals("female", settings.trainingType());
        assertEquals(800, settings.maxTrainSteps());
        assertEquals("42", settings.seed());
        assertEquals(List.of("a@example.com", "b@example.org"), settings.notifyEmail());
    }

    @Test
    void aSetNamesItsOwnEventReceiversAndItsCrop() throws Exception {
        TrainingSettings settings = read("training.yaml", String.join("\n",
                "instance_prompt: photo of sks person",
                "notify_url: [\"https://app.example.com/hooks?a=1,2\", \"http://events.internal.example.com/in\"]",
                "crop: centre"));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(List.of("https://app.example.com/hooks?a=1,2", "http://events.internal.example.com/in"),
                settings.notifyUrl());
        assertEquals("centre", settings.crop());

        read("training.yaml", "instance_prompt: photo of sks person\nnotify_url: file:///etc/passwd\ncrop: tight\n");
        assertEquals(List.of("notify_url", "crop"), problems.stream().map(SetProblem::field).toList(),
                problems.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8081/api/jobs", "http://localhost:8081/", "http://[::1]/",
            "http://0.0.0.0/", "http://127.0.0.2/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5:8080/",
            "http://[::ffff:192.168.0.1]/", "http://[fd00::1]/", "http://100.64.0.1/", "http://224.0.0.1/",
            "http://internal.example.com/events", "https://dreamdrop.localhost/"})
    void aNotifyUrlThatReachesInsideRejectsTheSetNamingTheRule(String url) throws Exception {
        TrainingSettings settings = read("training.yaml", "instance_prompt: photo of sks person\nnotify_url: \""
                + url + "\"\n");
        assertEquals(List.of("notify_url"), problems.stream().map(SetProblem::field).toList(), problems.toString());
        assertTrue(problems.get(0).message().contains("only name receivers on the public internet")
                && problems.get(0).message().contains("dreamdrop.events.allowed-hosts"), problems.toString());
        assertTrue(settings.notifyUrl().isEmpty());
    }

    @Test
    void anAddressOutsideTheAllowedDomainsRejectsTheSet() throws Exception {
        ManifestReader limited = new ManifestReader(DEFAULTS, V2_RATES, false, RECEIVERS, List.of("Example.com"));
        Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of sks person\n"
                + "notify_email: [ana@example.com, ANA@EXAMPLE.COM, eve@attacker.example]\n");
        TrainingSettings settings = limited.read(set, problems);
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("notify_email", problems.get(0).field());
        assertTrue(problems.get(0).message().contains("'eve@attacker.example' is outside the domains DreamDrop may"
                + " mail (dreamdrop.mail.allowed-domains: example.com)"), problems.toString());
        assertEquals(List.of("ana@example.com", "ANA@EXAMPLE.COM"), settings.notifyEmail());
    }

    @Test
    void aManifestIsBoundedInSizeAddressesReceiversAndText() throws Exception {
        read("training.yaml", "instance_prompt: photo of sks person\n# " + "x".repeat(ManifestReader.MAX_MANIFEST_BYTES)
                + "\n");
        assertEquals("training.yaml", problems.get(0).file(), problems.toString());
        assertTrue(problems.get(0).message().contains("a manifest may be at most 65536 bytes"), problems.toString());

        problems.clear();
        StringBuilder addresses = new StringBuilder();
        for (int i = 0; i < 21; i++) {
            addresses.append(i == 0 ? "" : ", ").append("a").append(i).append("@example.com");
        }
        read("training.yaml", "instance_prompt: photo of sks person\nnotify_email: [" + addresses + "]\n"
                + "notify_url: [https://a.example.com/, https://b.example.com/, https://c.example.com/,"
                + " https://d.example.com/, https://e.example.com/, https://f.example.com/]\n"
                + "class_prompt: " + "photo ".repeat(200) + "\n");
        assertEquals(List.of("class_prompt", "notify_email", "notify_url"),
                problems.stream().map(SetProblem::field).sorted().toList(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("lists 21 addresses; at most 20")));
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("lists 6 URLs; at most 5")));
        assertTrue(problems.stream().anyMatch(p -> p.message().contains("characters long; at most 1000")));
    }

    @Test
    void jsonManifestWithNumbersAsStringsLikeTheApi() throws Exception {
        TrainingSettings settings = read("training.json",
                "{\"instance_prompt\": \"photo of sks dog\", \"max_train_steps\": \"16\", \"training_type\": null}");
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(16, settings.maxTrainSteps());
        assertEquals("null", settings.trainingType());
    }

    @Test
    void noManifestMeansDefaultsAndAMissingPrompt() {
        TrainingSettings settings = reader.read(set, problems);
        assertNull(settings.maxTrainSteps(), "2 x images, decided later");
        assertEquals(1, problems.size());
        assertEquals("instance_prompt", problems.get(0).field());
        assertTrue(problems.get(0).message().contains("is missing"));
    }

    @Test
    void everyBadFieldIsReported() throws Exception {
        read("training.yaml", String.join("\n",
                "instance_prompt: '   '",
                "training_type: dog",
                "max_train_steps: 0",
                "seed: -3",
                "notify_email: \"x@example.com\\r\\nBcc: victim@example.com\"",
                "seeed: 1",
                "colour: blue"));
        List<String> fields = problems.stream().map(SetProblem::field).toList();
        assertEquals(List.of("seeed", "colour", "instance_prompt", "training_type", "max_train_steps", "seed",
                "notify_email"), fields, problems.toString());
        assertTrue(problems.get(0).message().contains("did you mean 'seed'"), problems.get(0).message());
        assertTrue(problems.get(1).message().contains("Fields of kind dreambooth: kind, instance_prompt"), problems.get(1).message());
        assertTrue(problems.get(6).message().contains("??Bcc"), "control characters shown, not passed on: "
                + problems.get(6).message());
    }

    @Test
    void dreamboothV2TakesItsLearningRatesAsTheVendorWritesThem() throws Exception {
        TrainingSettings settings = read("training.yaml", String.join("\n",
                "kind: dreambooth_v2",
                "instance_prompt: photo of sks person",
                "learning_rate_unet: 0.000002",
                "steps_unet: 1200",
                "learning_rate_text_encoder: 5.0e-6"));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(TrainingKind.DREAMBOOTH_V2, settings.kind());
        assertEquals(new TrainingSettings.DreamboothV2("2e-6", 1200, "5e-6", 350), settings.v2(),
                "the allowed spelling is sent; steps_text_encoder from the defaults");
    }

    @Test
    void dreamboothV2RefusesRatesOutsideTheListAndBadSteps() throws Exception {
        read("training.yaml", String.join("\n",
                "kind: dreambooth_v2",
                "instance_prompt: photo of sks person",
                "learning_rate_unet: 1e-4",
                "learning_rate_text_encoder: fast",
                "steps_unet: 5000",
                "max_train_steps: 100"));
        assertEquals(List.of("max_train_steps", "learning_rate_unet", "steps_unet", "learning_rate_text_encoder"),
                problems.stream().map(SetProblem::field).toList(), problems.toString());
        assertTrue(problems.get(0).message().contains("not a field of kind dreambooth_v2 but of kind dreambooth and"
                + " lora"), problems.get(0).message());
        assertTrue(problems.get(1).message().contains("use one of 1e-6, 2e-6, 5e-6"), problems.get(1).message());
        assertTrue(problems.get(2).message().contains("outside 1..2000"), problems.get(2).message());
    }

    @Test
    void loraTakesItsTypesAndANegativePrompt() throws Exception {
        TrainingSettings settings = read("training.yaml", String.join("\n",
                "kind: lora",
                "instance_prompt: photo of sks person",
                "base_model_type: sdxl",
                "lora_type: lycoris",
                "negative_prompt: blurry, lowres"));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(new TrainingSettings.Lora("sdxl", "lycoris", "blurry, lowres"), settings.lora());
        problems.clear();
        assertEquals(new TrainingSettings.Lora("normal", "lora", null),
                read("training.yaml", "kind: lora\ninstance_prompt: p\n").lora(), "defaults: vendor's negative prompt");
    }

    @Test
    void samplePromptsMustNameTheSubject() throws Exception {
        TrainingSettings settings = read("training.yaml", String.join("\n",
                "instance_prompt: photo of sks person",
                "negative_prompt: cartoon",
                "sample_prompts:",
                "  - '{instance_prompt}, in a park'",
                "  - sks person on a boat",
                "  - a person on a bike"));
        assertEquals(List.of("sample_prompts[3]"), problems.stream().map(SetProblem::field).toList());
        assertTrue(problems.get(0).message().contains("does not name the subject; include {instance_prompt} or its"
                + " word sks"), problems.get(0).message());
        assertEquals(new TrainingSettings.Samples(List.of("{instance_prompt}, in a park", "sks person on a boat",
                "a person on a bike"), "cartoon"), settings.samples());
        problems.clear();

        assertEquals(List.of(), read("training.yaml", "instance_prompt: photo of sks person\nsample_prompts: []\n")
                .samples().prompts(), "none asked for");
        assertEquals(TrainingSettings.CONFIGURED_SAMPLES, read("training.yaml", "instance_prompt: p of sks\n")
                .samples(), "the configured ones");
        read("training.yaml", "instance_prompt: photo of sks person\nsample_prompts: one prompt\n");
        assertEquals(List.of("sample_prompts"), problems.stream().map(SetProblem::field).toList(), "not a list");
    }

    @Test
    void loraRefusesUnknownTypesAndDreamboothFields() throws Exception {
        read("training.yaml", String.join("\n",
                "kind: lora",
                "instance_prompt: photo of sks person",
                "base_model_id: portraitplus-diffusion",
                "base_model_type: sd3",
                "lora_type: dora"));
        assertEquals(List.of("base_model_id", "base_model_type", "lora_type"),
                problems.stream().map(SetProblem::field).toList(), problems.toString());
        assertTrue(problems.get(0).message().contains("set 'kind: dreambooth' or remove the field"),
                problems.get(0).message());
        assertTrue(problems.get(1).message().contains("use normal or sdxl"), problems.get(1).message());
        assertTrue(problems.get(2).message().contains("use lora or lycoris"), problems.get(2).message());
    }

    @Test
    void anUnknownKindListsTheKinds() throws Exception {
        read("training.yaml", "kind: textual_inversion\ninstance_prompt: p\n");
        assertEquals("kind", problems.get(0).field());
        assertTrue(problems.get(0).message().contains("use one of dreambooth, dreambooth_v2, lora"),
                problems.get(0).message());
    }

    @Test
    void theVendorsSandboxTrainsDreamboothOnly() throws Exception {
        ManifestReader sandboxed = new ManifestReader(DEFAULTS, V2_RATES, true, RECEIVERS, List.of());
        Files.writeString(set.resolve("training.yaml"), "kind: lora\ninstance_prompt: p\n");
        sandboxed.read(set, problems);
        assertEquals("kind", problems.get(0).field());
        assertTrue(problems.get(0).message().contains("dreamdrop.api.vendor-sandbox=true"), problems.get(0).message());
        problems.clear();
        Files.writeString(set.resolve("training.yaml"), "instance_prompt: p\n");
        sandboxed.read(set, problems);
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void invalidConfiguredDefaultsStopStartUp() {
        TrainingSettings bad = new TrainingSettings(TrainingKind.DREAMBOOTH, "", "c", "m", "null", null, null,
                new TrainingSettings.DreamboothV2("9e-9", 1500, "1e-6", 350),
                new TrainingSettings.Lora("normal", "lora", null), List.of(), null, List.of(), "face",
                TrainingSettings.CONFIGURED_SAMPLES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ManifestReader(bad, V2_RATES, false, RECEIVERS, List.of()));
        assertTrue(e.getMessage().contains("learning_rate_unet"), e.getMessage());
    }

    @Test
    void unreadableYamlNamesTheLine() throws Exception {
        assertNull(read("training.yaml", "instance_prompt: photo\n  - broken: [\n"));
        assertEquals("training.yaml", problems.get(0).file());
        assertTrue(problems.get(0).message().contains("cannot be read"), problems.get(0).message());
        assertTrue(problems.get(0).message().contains("line"), problems.get(0).message());
    }

    @Test
    void aListIsNotAManifest() throws Exception {
        assertNull(read("training.yaml", "- photo of sks person\n"));
        assertTrue(problems.get(0).message().contains("field: value"));
    }

    @Test
    void editDistance() {
        assertEquals(1, ManifestReader.distance("seeed", "seed"));
        assertEquals(0, ManifestReader.distance("seed", "seed"));
        assertEquals(3, ManifestReader.distance("abc", ""));
    }
}
