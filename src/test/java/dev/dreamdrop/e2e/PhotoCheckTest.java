package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The photo check before credits are spent: its warnings reach status.json, the operator API and the first email. */
class PhotoCheckTest {

    @TempDir
    Path data;

    private final int smtpPort = RunningDreamDrop.freePort();
    private TrainingApiSandbox sandbox;
    private GreenMail smtp;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
        dreamDrop = RunningDreamDrop.start(data, sandbox, Map.of("dreamdrop.mail.host", "127.0.0.1",
                "dreamdrop.mail.port", String.valueOf(smtpPort), "dreamdrop.mail.to", "ops@example.com",
                "dreamdrop.mail.statuses", "submitting,model_ready"));
    }

    @AfterEach
    void stop() {
        dreamDrop.close();
        smtp.stop();
        sandbox.close();
    }

    @Test
    void aPersonSetWithoutFacesIsTrainedWithClearWarnings() throws Exception {
        dreamDrop.dropSet("faceless", 3, "instance_prompt: photo of sks person\ntraining_type: men\n");

        JsonNode status = dreamDrop.awaitStatus("faceless", "model_ready");

        List<String> warnings = new ArrayList<>();
        status.path("photo_warnings").forEach(w -> warnings.add(w.path("file").asText("") + " " + w.path("warning")
                .asText()));
        assertEquals(4, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("no photo of this set shows a face"), warnings.toString());
        assertTrue(warnings.stream().skip(1).allMatch(w -> w.contains("no face found")), warnings.toString());
        JsonNode job = operatorJob(dreamDrop.journal().latestJob("folder", "faceless").orElseThrow().id());
        assertEquals(4, job.path("photo_warnings").size(), "on the dashboard too");

        await().atMost(Duration.ofSeconds(20)).until(() -> smtp.getReceivedMessages().length == 2);
        String first = GreenMailUtil.getBody(smtp.getReceivedMessages()[0]);
        String second = GreenMailUtil.getBody(smtp.getReceivedMessages()[1]);
        assertTrue(first.contains("About the photos") && first.contains("no photo of this set shows a face"), first);
        assertFalse(second.contains("About the photos"), "told once, in the first email");
    }

    @Test
    void aPersonSetWithAFaceInEachPhotoHasNoWarnings() throws Exception {
        BufferedImage astronaut;
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/photos/astronaut.jpg"))) {
            astronaut = ImageIO.read(in);
        }
        Path staging = data.resolve("staging/faces");
        Files.createDirectories(staging);
        for (int i = 0; i < 3; i++) {
            BufferedImage frame = new BufferedImage(900, 1200, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = frame.createGraphics();
            g.drawImage(astronaut, 100 + 60 * i, 40 * i, 700, 700, null);
            g.dispose();
            TestPhotos.writeJpeg(frame, staging.resolve("photo-" + i + ".jpg"), i == 1);
        }
        Files.writeString(staging.resolve("training.yaml"), "instance_prompt: photo of sks woman\n"
                + "training_type: female\n");
        Files.createDirectories(dreamDrop.inbox());
        Files.writeString(Files.move(staging, dreamDrop.inbox().resolve("faces")).resolve("READY"), "");

        JsonNode status = dreamDrop.awaitStatus("faces", "model_ready");

        assertTrue(status.path("photo_warnings").isMissingNode(), status.toString());
    }

    private JsonNode operatorJob(String id) {
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(dreamDrop.managementUrl() + "/api/jobs/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(answer.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
