package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad sets are rejected with every problem named in errors.json, kept whole, and cost no API call. */
class RejectedSetTest {

    @TempDir
    static Path data;

    private static TrainingApiSandbox sandbox;
    private static RunningDreamDrop dreamDrop;

    @BeforeAll
    static void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        dreamDrop = RunningDreamDrop.start(data, sandbox);
    }

    @AfterAll
    static void stop() {
        dreamDrop.close();
        sandbox.close();
    }

    private static List<String> problems(String set) {
        dreamDrop.awaitStatus(set, "rejected");
        JsonNode report = RunningDreamDrop.readJson(dreamDrop.failed().resolve(set).resolve("errors.json"));
        assertEquals(set, report.get("set").asText());
        List<String> lines = new ArrayList<>();
        for (JsonNode error : report.get("errors")) {
            String where = error.has("file") ? error.get("file").asText() : error.path("field").asText("set");
            lines.add(where + ": " + error.get("message").asText());
        }
        assertTrue(sandbox.requests("/api/v3/fine_tune").isEmpty(), "a rejected set causes no API call");
        return lines;
    }

    private static void assertProblem(List<String> problems, String where, String words) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(where + ": ") && p.contains(words)),
                "expected a problem for " + where + " saying '" + words + "' in " + problems);
    }

    @Test
    void everyProblemOfASetIsReportedAtOnceAndTheSetIsKept() throws Exception {
        Path staging = data.resolve("staging-many");
        TestPhotos.writeSet(staging, 2);
        Files.writeString(staging.resolve("broken.jpg"), "not a photo at all");
        TestPhotos.writePng(TestPhotos.portrait(320, 480, 1), staging.resolve("tiny.png"));
        TestPhotos.writePngHeaderClaiming(50_000, 50_000, staging.resolve("bomb.png"));
        Files.writeString(staging.resolve("notes.txt"), "shot on holiday");
        Files.writeString(staging.resolve("training.yaml"), String.join("\n",
                "instance_prompt: \"\"",
                "training_type: robot",
                "max_train_steps: lots",
                "instance_promt: typo",
                ""));
        Files.createDirectories(dreamDrop.inbox());
        Files.move(staging, dreamDrop.inbox().resolve("many-problems"));
        Files.writeString(dreamDrop.inbox().resolve("many-problems").resolve("READY"), "");

        List<String> problems = problems("many-problems");
        assertProblem(problems, "broken.jpg", "not a readable image");
        assertProblem(problems, "tiny.png", "too small");
        assertProblem(problems, "bomb.png", "megapixels");
        assertProblem(problems, "notes.txt", "not a supported photo");
        assertProblem(problems, "instance_prompt", "is empty");
        assertProblem(problems, "training_type", "use men, female, couple or null");
        assertProblem(problems, "max_train_steps", "not a whole number");
        assertProblem(problems, "instance_promt", "did you mean 'instance_prompt'");
        assertEquals(8, problems.size(), problems.toString());

        Path kept = dreamDrop.failed().resolve("many-problems");
        for (String file : List.of("photo-01.jpg", "photo-02.jpg", "broken.jpg", "tiny.png", "bomb.png", "notes.txt",
                "training.yaml", "READY")) {
            assertTrue(Files.exists(kept.resolve(file)), file + " kept");
        }
        assertFalse(Files.exists(dreamDrop.inbox().resolve("many-problems")));
    }

    @Test
    void setWithoutPhotos() throws Exception {
        dreamDrop.dropSet("no-photos", 0, "instance_prompt: photo of sks person\n");
        assertProblem(problems("no-photos"), "set", "has no photos");
    }

    @Test
    void stepsOutsideTheApisRange() throws Exception {
        dreamDrop.dropSet("too-many-steps", 2, "instance_prompt: photo of sks person\nmax_train_steps: 2001\n");
        assertProblem(problems("too-many-steps"), "max_train_steps", "outside 1..2000");
        dreamDrop.dropSet("zero-steps", 2, "instance_prompt: photo of sks person\nmax_train_steps: \"0\"\n");
        assertProblem(problems("zero-steps"), "max_train_steps", "outside 1..2000");
    }

    @Test
    void unreadableManifest() throws Exception {
        dreamDrop.dropSet("bad-yaml", 2, "instance_prompt: [photo of\n  sks: : person\n");
        assertProblem(problems("bad-yaml"), "training.yaml", "cannot be read");
    }

    @Test
    void missingInstancePromptWithNoDefault() throws Exception {
        dreamDrop.dropSet("no-prompt", 2, null);
        assertProblem(problems("no-prompt"), "instance_prompt", "is missing");
    }
}
