package dev.dreamdrop.intake;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestReaderTest {

    @TempDir
    Path set;

    private final ManifestReader reader = new ManifestReader(new TrainingSettings("", "photo of person",
            "portraitplus-diffusion", "null", null, null, List.of(), null));
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
        assertTrue(problems.get(1).message().contains("Known fields"), problems.get(1).message());
        assertTrue(problems.get(6).message().contains("??Bcc"), "control characters shown, not passed on: "
                + problems.get(6).message());
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
