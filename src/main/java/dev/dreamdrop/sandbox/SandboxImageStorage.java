package dev.dreamdrop.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The vendor's image storage, as the sandbox simulates it: {@code base64_crop} takes a data URL (at most 5 MB of
 * image), keeps the image as a PNG on a public link the sandbox serves itself ({@code /generations/<name>.png}) and
 * answers an integer {@code request_id}; {@code delete_image} removes it by that id, and its link answers 404 from
 * then on. Like the real storage, a link needs no key: whoever has it can read the photo.
 */
final class SandboxImageStorage {

    static final long MAX_IMAGE_BYTES = 5L * 1024 * 1024;
    static final String LINK_PATH = "/generations/";

    private final ObjectMapper json;
    private final String baseUrl;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, byte[]> images = new ConcurrentHashMap<>();
    private final Map<Long, String> namesByRequestId = new ConcurrentHashMap<>();
    private final Map<String, Long> uploaded = new ConcurrentHashMap<>();
    private final List<Long> deleted = new CopyOnWriteArrayList<>();
    private final AtomicLong requestIds = new AtomicLong(2398);

    SandboxImageStorage(ObjectMapper json, String baseUrl) {
        this.json = json;
        this.baseUrl = baseUrl;
    }

    /** {@code base64_crop}: {@code image} a data URL, {@code crop} "true" for a centred 512x512 crop. */
    ObjectNode upload(JsonNode request) {
        String image = request.path("image").asText("");
        int comma = image.indexOf(',');
        if (!image.startsWith("data:image/") || comma < 0) {
            return validationError("image", "The image must be a base64 data URI of an image.");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(image.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            return validationError("image", "The image must be valid base64.");
        }
        if (bytes.length > MAX_IMAGE_BYTES) {
            return validationError("image", "The image may not be greater than 5120 kilobytes.");
        }
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            decoded = null;
        }
        if (decoded == null) {
            return validationError("image", "The image must be an image.");
        }
        BufferedImage result = "true".equals(request.path("crop").asText()) ? cropTo512(decoded) : decoded;
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(result, "png", png);
        } catch (IOException e) {
            return json.createObjectNode().put("status", "failed").put("message", "Failed, Try Again");
        }
        String name = Long.toUnsignedString(random.nextLong()) + ".png";
        long requestId = requestIds.incrementAndGet();
        images.put(name, png.toByteArray());
        namesByRequestId.put(requestId, name);
        String link = baseUrl + LINK_PATH + name;
        uploaded.put(link, requestId);
        return json.createObjectNode()
                .put("status", "success")
                .put("messege", "image uploaded")
                .put("link", link)
                .put("request_id", requestId);
    }

    /** {@code delete_image}: {@code request_id} the integer base64_crop answered, {@code type} "image". */
    ObjectNode delete(JsonNode request) {
        JsonNode id = request.path("request_id");
        if (!id.isIntegralNumber() || !"image".equals(request.path("type").asText())) {
            return validationError(id.isIntegralNumber() ? "type" : "request_id",
                    id.isIntegralNumber() ? "The selected type is invalid." : "The request id must be an integer.");
        }
        String name = namesByRequestId.remove(id.asLong());
        if (name == null) {
            return json.createObjectNode().put("status", "error").put("message", "Image not found");
        }
        images.remove(name);
        deleted.add(id.asLong());
        return json.createObjectNode().put("status", "success").put("messege", "image deleted");
    }

    /** Every upload taken so far, deleted or not: its link and its request id. */
    Map<String, Long> uploads() {
        return Map.copyOf(uploaded);
    }

    /** The request ids of the images deleted so far, in order. */
    List<Long> deletedRequestIds() {
        return List.copyOf(deleted);
    }

    /** How many uploaded images are still stored. */
    int storedImages() {
        return images.size();
    }

    void serve(HttpExchange exchange, String path) throws IOException {
        byte[] png = images.get(path.substring(LINK_PATH.length()));
        if (png == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "image/png");
        exchange.sendResponseHeaders(200, png.length);
        exchange.getResponseBody().write(png);
    }

    private static BufferedImage cropTo512(BufferedImage source) {
        int side = Math.min(source.getWidth(), source.getHeight());
        int x = (source.getWidth() - side) / 2;
        int y = (source.getHeight() - side) / 2;
        BufferedImage result = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = result.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(source, 0, 0, 512, 512, x, y, x + side, y + side, null);
        g.dispose();
        return result;
    }

    private ObjectNode validationError(String field, String message) {
        ObjectNode answer = json.createObjectNode().put("status", "error");
        answer.set("messege", json.createObjectNode().set(field, json.createArrayNode().add(message)));
        return answer;
    }
}
