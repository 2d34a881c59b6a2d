package dev.dreamdrop.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import javax.imageio.ImageIO;
import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.GradientPaint;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Generation with a trained model, as the sandbox simulates it (training-api.md, "Generating images"):
 * {@code text2img} answers {@code processing} with {@code eta}, {@code fetch_result}, {@code id} and
 * {@code future_links}; {@code fetch} answers {@code processing} (with {@code "output": ""}) until the generation
 * time has passed, then {@code success} with the link, which answers 404 for a moment longer. The picture is drawn
 * from the set itself: its first photo, tinted by the seed, the prompt written on it, so that a first run ends with
 * pictures of the person and tests can compare bytes. Faults on demand: generations that fail, or never finish.
 */
final class SandboxGenerations {

    static final String LINK_PATH = "/outputs/";
    static final String GENERATE_PATH = "/api/v6/images/text2img";
    static final String FETCH_PATH = "/api/v6/images/fetch";

    private final ObjectMapper json;
    private final String baseUrl;
    private final Function<String, SandboxTraining> trainings;
    private final AtomicLong ids = new AtomicLong(134701497);
    private final Map<Long, Generation> generations = new ConcurrentHashMap<>();
    private final AtomicInteger toFail = new AtomicInteger();
    private final AtomicInteger toStall = new AtomicInteger();
    private volatile Duration generationTime = Duration.ofSeconds(2);
    private volatile Duration linkDelay = Duration.ofSeconds(1);

    SandboxGenerations(ObjectMapper json, String baseUrl, Function<String, SandboxTraining> trainings) {
        this.json = json;
        this.baseUrl = baseUrl;
        this.trainings = trainings;
    }

    /** A generation the sandbox took: what it was asked, and the picture it made. */
    record Generation(long id, String trainingId, JsonNode request, Instant readyAt, Instant linkReadyAt,
                      boolean fails, byte[] png) {

        String link() {
            return LINK_PATH + id + ".png";
        }
    }

    void timing(Duration generation, Duration link) {
        this.generationTime = generation;
        this.linkDelay = link;
    }

    /** The next {@code count} generations end {@code failed} / stay {@code processing} for ever. */
    void failNext(int count) {
        toFail.set(count);
    }

    void stallNext(int count) {
        toStall.set(count);
    }

    ObjectNode generate(String key, JsonNode request) {
        boolean lora = request.hasNonNull("lora_model");
        String trainingId = request.path(lora ? "lora_model" : "model_id").asText("");
        SandboxTraining training = trainings.apply(trainingId);
        if (training == null || !training.apiKey.equals(key) || !"model_ready".equals(training.status)
                || training.deleted) {
            return json.createObjectNode().put("status", "error").put("messege", "Model id not found");
        }
        if (request.path("prompt").asText("").isBlank()) {
            ObjectNode answer = json.createObjectNode().put("status", "error");
            answer.set("messege", json.createObjectNode().set("prompt",
                    json.createArrayNode().add("The prompt field is required.")));
            return answer;
        }
        long id = ids.incrementAndGet();
        boolean stall = toStall.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        boolean fail = !stall && toFail.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        Instant ready = stall ? Instant.MAX : Instant.now().plus(generationTime);
        Generation generation = new Generation(id, trainingId, request, ready,
                stall ? Instant.MAX : ready.plus(linkDelay), fail, fail || stall ? null
                : draw(training, request.path("prompt").asText(), request.path("seed").asLong(0)));
        generations.put(id, generation);
        return answer(generation);
    }

    /** {@code fetch/<id>} (id from the path) or {@code fetch} with {@code request_id}. */
    ObjectNode fetch(JsonNode request, String idInPath) {
        String id = idInPath != null ? idInPath : request.path("request_id").asText("");
        Generation generation;
        try {
            generation = generations.get(Long.parseLong(id));
        } catch (NumberFormatException e) {
            generation = null;
        }
        if (generation == null) {
            return json.createObjectNode().put("status", "error").put("messege", "Request not found");
        }
        return answer(generation);
    }

    private ObjectNode answer(Generation generation) {
        if (generation.fails() && Instant.now().isAfter(generation.readyAt())) {
            return json.createObjectNode().put("status", "failed").put("id", "").put("message", "Failed, Try Again")
                    .put("output", "");
        }
        String link = baseUrl + generation.link();
        if (Instant.now().isBefore(generation.readyAt())) {
            double eta = generation.readyAt() == Instant.MAX ? 1.0
                    : Math.max(0, Duration.between(Instant.now(), generation.readyAt()).toMillis() / 1000.0);
            ObjectNode processing = json.createObjectNode().put("status", "processing")
                    .put("tip", "Your image is processing in background, you can get this image using fetch API")
                    .put("eta", eta)
                    .put("messege", "Try to fetch request after given estimated time")
                    .put("fetch_result", baseUrl + FETCH_PATH + "/" + generation.id()).put("id", generation.id());
            processing.putArray("output");
            processing.putArray("future_links").add(link);
            return processing;
        }
        ObjectNode success = json.createObjectNode().put("status", "success").put("generationTime", 1.5)
                .put("id", generation.id());
        success.putArray("output").add(link);
        success.putObject("meta").put("seed", generation.request().path("seed").asLong(0));
        return success;
    }

    void serve(HttpExchange exchange, String path) throws IOException {
        Generation generation = null;
        try {
            String name = path.substring(LINK_PATH.length());
            generation = generations.get(Long.parseLong(name.substring(0, name.length() - ".png".length())));
        } catch (RuntimeException e) {
            // not a link of a generation
        }
        if (generation == null || generation.png() == null || Instant.now().isBefore(generation.linkReadyAt())) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "image/png");
        exchange.sendResponseHeaders(200, generation.png().length);
        exchange.getResponseBody().write(generation.png());
    }

    /** Every generation requested so far, oldest first. */
    List<Generation> all() {
        List<Generation> all = new ArrayList<>(generations.values());
        all.sort((a, b) -> Long.compare(a.id(), b.id()));
        return all;
    }

    private static void write(Graphics2D g, String caption) {
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        FontMetrics metrics = g.getFontMetrics();
        int y = 440;
        StringBuilder line = new StringBuilder();
        for (String word : caption.split(" ")) {
            if (metrics.stringWidth(line + " " + word) > 490 && line.length() > 0) {
                g.drawString(line.toString(), 11, y);
                y += 18;
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        g.drawString(line.toString(), 11, y);
    }

    /** The set's first photo (a gradient if the sandbox has none), tinted by the seed, the prompt on it. */
    private static byte[] draw(SandboxTraining training, String prompt, long seed) {
        BufferedImage picture = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        BufferedImage photo = training.firstPhoto;
        if (photo != null) {
            g.drawImage(photo, 0, 0, 512, 512, null);
        } else {
            g.setPaint(new GradientPaint(0, 0, Color.DARK_GRAY, 512, 512, Color.LIGHT_GRAY));
            g.fillRect(0, 0, 512, 512);
        }
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.3f));
        g.setColor(Color.getHSBColor((Math.floorMod(seed * 37, 360)) / 360f, 0.8f, 0.9f));
        g.fillRect(0, 0, 512, 512);
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.6f));
        g.setColor(Color.BLACK);
        g.fillRect(0, 420, 512, 92);
        g.setComposite(AlphaComposite.SrcOver);
        try {
            write(g, prompt + "  (seed " + seed + ", sandbox)");
        } catch (RuntimeException | InternalError e) {
            // a machine without fonts: the picture without its caption
        }
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(picture, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }
}
