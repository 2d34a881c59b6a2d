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

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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

    @Test
    void aBlurredPhotoAndTheSamePhotoTwiceAreNamedAndTheContactSheetShowsEveryCrop() throws Exception {
        BufferedImage astronaut = astronaut();
        Path staging = data.resolve("staging/mixed");
        Files.createDirectories(staging);
        BufferedImage sharp = frame(astronaut, 0);
        TestPhotos.writeJpeg(sharp, staging.resolve("sharp.jpg"), false);
        TestPhotos.writeJpeg(frame(astronaut, 2), staging.resolve("other.jpg"), false);
        // the same photo as sent again by a messenger: smaller, recompressed
        BufferedImage resized = new BufferedImage(750, 1000, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = resized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(sharp, 0, 0, 750, 1000, null);
        g.dispose();
        writeJpeg(resized, staging.resolve("sharp-from-messenger.jpg"), 0.6f);
        TestPhotos.writeJpeg(blurred(frame(astronaut, 1), 9), staging.resolve("shaken.jpg"), false);
        Files.writeString(staging.resolve("training.yaml"), "instance_prompt: photo of sks woman\n"
                + "training_type: female\n");
        Files.createDirectories(dreamDrop.inbox());
        Files.writeString(Files.move(staging, dreamDrop.inbox().resolve("mixed")).resolve("READY"), "");

        JsonNode status = dreamDrop.awaitStatus("mixed", "model_ready");

        List<String> warnings = new ArrayList<>();
        status.path("photo_warnings").forEach(w -> warnings.add(w.path("file").asText("") + ": " + w.path("warning")
                .asText()));
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("shaken.jpg: looks blurred")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("sharp.jpg: looks like the same photo as"
                + " sharp-from-messenger.jpg") || w.startsWith("sharp-from-messenger.jpg: looks like the same photo as"
                + " sharp.jpg")), warnings.toString());

        Path sheet = dreamDrop.results("mixed").resolve("photos.jpg");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sheet));
        BufferedImage shown = ImageIO.read(sheet.toFile());
        assertEquals(4 * 200 + 8, shown.getWidth(), "one tile per photo sent, four to a row");
        assertEquals(200 + 22 + 8, shown.getHeight(), "one row");
        String job = status.get("job_id").asText();
        assertTrue(Files.exists(dreamDrop.results("mixed").resolve("jobs/" + job + "/photos.jpg")));
    }

    @Test
    void iphonePhotosAreDecodedAndSentUpright() throws Exception {
        Path staging = data.resolve("staging/iphone");
        Files.createDirectories(staging);
        for (String name : List.of("simple.heic", "grid_irot3_exif6.heic")) {
            try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/heic/" + name))) {
                // any case, as phones and cameras write it
                Files.copy(in, staging.resolve(name.toUpperCase(java.util.Locale.ROOT)));
            }
        }
        Files.writeString(staging.resolve("training.yaml"), "instance_prompt: photo of sks object\n");
        Files.createDirectories(dreamDrop.inbox());
        Files.writeString(Files.move(staging, dreamDrop.inbox().resolve("iphone")).resolve("READY"), "");

        dreamDrop.awaitStatus("iphone", "model_ready");

        assertEquals(2, sandbox.imageFetches().stream().filter(f -> f.isUsable()).count(), "both sent as 512x512");
        Path sheet = dreamDrop.results("iphone").resolve("photos.jpg");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(sheet));
        BufferedImage shown = ImageIO.read(sheet.toFile());
        // tiles in file order: GRID_IROT3_EXIF6.HEIC, then SIMPLE.HEIC; the grid turned once: blue over white on the
        // left of its centre square, red over green on the right
        assertEquals("blue", colour(shown.getRGB(8 + 48, 8 + 24)));
        assertEquals("red", colour(shown.getRGB(8 + 144, 8 + 24)));
        assertEquals("white", colour(shown.getRGB(8 + 48, 8 + 168)));
        assertEquals("green", colour(shown.getRGB(8 + 144, 8 + 168)));
    }

    private static String colour(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return r > 200 && g > 200 && b > 200 ? "white" : r > 150 && g < 100 && b < 100 ? "red"
                : g > 150 && r < 100 && b < 100 ? "green" : b > 150 && r < 100 && g < 100 ? "blue"
                : String.format("#%06x", rgb & 0xffffff);
    }

    private BufferedImage astronaut() throws Exception {
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/photos/astronaut.jpg"))) {
            return ImageIO.read(in);
        }
    }

    /** The astronaut framed in a 900x1200 photo, a little further right and down for each {@code step}. */
    private static BufferedImage frame(BufferedImage astronaut, int step) {
        BufferedImage frame = new BufferedImage(900, 1200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        g.drawImage(astronaut, 100 + 60 * step, 40 * step, 700, 700, null);
        g.dispose();
        return frame;
    }

    private static BufferedImage blurred(BufferedImage image, int radius) {
        int side = 2 * radius + 1;
        float[] kernel = new float[side * side];
        Arrays.fill(kernel, 1f / kernel.length);
        return new ConvolveOp(new Kernel(side, side, kernel), ConvolveOp.EDGE_NO_OP, null).filter(image, null);
    }

    private static void writeJpeg(BufferedImage image, Path file, float quality) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
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
