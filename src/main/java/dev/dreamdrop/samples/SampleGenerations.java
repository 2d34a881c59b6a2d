package dev.dreamdrop.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiRequest;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.config.Backoff;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.storage.ResultsFile;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What DreamDrop knows about generating sample images with a trained model, for the route that does it
 * (routes/generate-samples.camel.yaml): the text2img request (journalled before it is sent), what each answer means
 * (training-api.md: {@code processing} with an {@code eta}, {@code success} with {@code output} links, errors with
 * HTTP 200), which downloads are images, and when a job's samples are all settled and can be announced.
 */
public class SampleGenerations {

    static final int SIZE = 512;
    static final int PREVIEW_SIZE = 384;
    /** Never sooner than this between two fetches, whatever the eta says; never later than the longest wait. */
    private static final Duration SOONEST_FETCH = Duration.ofSeconds(2);
    private static final Duration LATEST_FETCH = Duration.ofMinutes(2);

    private final SampleStore store;
    private final Journal journal;
    private final String generatePath;
    private final String fetchPath;
    private final String loraStrength;
    private final Duration deadline;
    private final Backoff backoff;
    private final ObjectMapper json = new ObjectMapper();

    public SampleGenerations(SampleStore store, Journal journal, String generatePath, String fetchPath,
                             String loraStrength, Duration deadline, Backoff backoff) {
        this.store = store;
        this.journal = journal;
        this.generatePath = generatePath;
        this.fetchPath = fetchPath;
        this.loraStrength = loraStrength;
        this.deadline = deadline;
        this.backoff = backoff;
    }

    /** A downloaded sample image, and the name it has in the results ({@code 01.png}). */
    public record SampleImage(Sample sample, String fileName, byte[] bytes, String contentType) {

        /** The image as a file of the job's results: {@code samples/01.png}. */
        public ResultsFile file() {
            return new ResultsFile(sample.jobId(), sample.setName(), SampleStore.FOLDER + "/" + fileName, bytes,
                    contentType);
        }
    }

    /**
     * The samples whose next step is this instance's now, each reserved: requests to make (as many as there are
     * free slots), results to fetch, images to download. Before that, whatever can no longer happen is settled.
     */
    public List<Sample> due() {
        store.giveUpWhatCanNoLongerHappen(deadline);
        List<Integer> free = new ArrayList<>(store.freeSlots());
        List<Sample> work = new ArrayList<>();
        for (Sample sample : store.due()) {
            if (!Sample.PLANNED.equals(sample.state())) {
                if (store.reserve(sample)) {
                    work.add(sample);
                }
            } else if (!free.isEmpty()) {
                if (store.startAsking(sample, free.remove(0), fields(sample).toString())) {
                    work.add(sample.withState(Sample.ASKING));
                }
            }
        }
        return work;
    }

    /** The text2img request of a sample, as it was journalled (the key is added by the call route). */
    public ApiRequest request(Sample sample) {
        return new ApiRequest(generatePath, fields(sample));
    }

    private ObjectNode fields(Sample sample) {
        ObjectNode fields = json.createObjectNode();
        if (TrainingKind.LORA.manifestName().equals(sample.kind())) {
            fields.put("model_id", sample.loraBaseModel()).put("lora_model", sample.trainingId())
                    .put("lora_strength", loraStrength);
        } else {
            fields.put("model_id", sample.trainingId());
        }
        // numbers as strings, as the API documents them, but for guidance_scale
        return fields.put("prompt", sample.prompt())
                .put("negative_prompt", sample.negativePrompt() == null ? "" : sample.negativePrompt())
                .put("width", String.valueOf(SIZE)).put("height", String.valueOf(SIZE)).put("samples", "1")
                .put("num_inference_steps", "31").put("guidance_scale", 7.5).put("seed", String.valueOf(sample.seed()))
                .put("safety_checker", "no").putNull("webhook").putNull("track_id");
    }

    /**
     * What text2img answered. A request the API certainly did not take (a full queue, a refused connection) is
     * made again later; one it may have taken and did not answer is given up, never repeated; a refusal or
     * {@code failed} is final (the API's words kept).
     *
     * @return the sample as it is now: downloading when the image is ready at once
     */
    public Sample asked(Sample sample, ApiResult result) {
        if (isProcessing(result) || result.isSuccess()) {
            return generating(sample, result);
        }
        switch (result.outcome()) {
            case TRANSIENT -> store.notTaken(sample, Instant.now().plus(result.retryAfter() != null
                    ? result.retryAfter() : backoff.after(sample.attempts() + 1)), result.message());
            case UNKNOWN_OUTCOME -> store.failed(sample, "requested, and " + result.message() + "; not requested"
                    + " again, so as not to pay for it twice");
            default -> store.failed(sample, "the training API refused it: " + result.message());
        }
        return sample;
    }

    /** The fetch of a generation under way: {@code POST fetch} with its id, which never generates anything new. */
    public ApiRequest fetchRequest(Sample sample) {
        return new ApiRequest(fetchPath, json.createObjectNode().put("request_id", sample.generationId()));
    }

    /** What fetch answered: still processing, ready, failed (final), or no usable answer (fetched again later). */
    public Sample fetched(Sample sample, ApiResult result) {
        if (isProcessing(result) || result.isSuccess()) {
            return generating(sample, result);
        }
        if (result.outcome() == ApiResult.Outcome.TRANSIENT || result.outcome() == ApiResult.Outcome.UNKNOWN_OUTCOME) {
            store.tryAgainLater(sample, Instant.now().plus(backoff.after(sample.attempts() + 1)), result.message());
        } else {
            store.failed(sample, "the training API could not generate it: " + result.message());
        }
        return sample;
    }

    private static boolean isProcessing(ApiResult result) {
        return result.body() != null && "processing".equals(result.body().path("status").asText());
    }

    private Sample generating(Sample sample, ApiResult result) {
        JsonNode body = result.body();
        String id = body.hasNonNull("id") && !body.get("id").asText().isEmpty() ? body.get("id").asText()
                : sample.generationId();
        List<String> output = links(body.get("output"));
        if (result.isSuccess() && !output.isEmpty()) {
            return store.toDownload(sample, id, output);
        }
        if (id == null) {
            store.failed(sample, "the training API answered " + body.path("status").asText() + " without the id to"
                    + " fetch the image with");
            return sample;
        }
        List<String> future = links(body.get("future_links"));
        store.processing(sample, id, future.isEmpty() ? sample.outputLinks() : future,
                Instant.now().plus(fetchAfter(body.path("eta").asDouble(0))));
        return sample;
    }

    static Duration fetchAfter(double etaSeconds) {
        Duration eta = Duration.ofMillis((long) (Math.max(0, etaSeconds) * 1000));
        return eta.compareTo(SOONEST_FETCH) < 0 ? SOONEST_FETCH : eta.compareTo(LATEST_FETCH) > 0 ? LATEST_FETCH : eta;
    }

    /** {@code output} is an array of links, or a string (empty while processing). */
    private static List<String> links(JsonNode value) {
        List<String> links = new ArrayList<>();
        if (value != null && value.isArray()) {
            value.forEach(link -> {
                if (link.isTextual() && (link.asText().startsWith("https://") || link.asText().startsWith("http://"))) {
                    links.add(link.asText());
                }
            });
        }
        return links;
    }

    /** The link to download from: the next one at each attempt, when the vendor gave several. */
    public String link(Sample sample) {
        return sample.outputLinks().get(sample.attempts() % sample.outputLinks().size());
    }

    /**
     * What the link gave: the image (PNG, JPEG or WebP), or null when it is not there yet (the vendor's links can
     * answer 404 for a while) and the download is tried again.
     */
    public SampleImage downloaded(Sample sample, int httpStatus, byte[] body) {
        String[] format = httpStatus == 200 ? format(body) : null;
        if (format == null) {
            store.tryAgainLater(sample, Instant.now().plus(backoff.after(sample.attempts() + 1)), "its link answered"
                    + " HTTP " + httpStatus + (httpStatus == 200 ? " without an image" : ""));
            return null;
        }
        return new SampleImage(sample, String.format("%02d.%s", sample.ordinal(), format[0]), body, format[1]);
    }

    /** A step that failed with an exception: a request that may have gone out is given up, anything else retried. */
    public void stepFailed(Sample sample, Exception e) {
        String why = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
        if (Sample.ASKING.equals(sample.state())) {
            store.failed(sample, SampleStore.LOST + " (" + why + ")");
        } else {
            store.tryAgainLater(sample, Instant.now().plus(backoff.after(sample.attempts() + 1)), why);
        }
    }

    /** The image is in the results: the sample is settled (the tick that stored it announces its job's, if all are). */
    public void stored(SampleImage image) {
        store.stored(image.sample(), image.fileName(), preview(image.bytes()));
    }

    /**
     * Each job whose samples have all settled gets one {@code samples_ready} event in its journal: the results,
     * events and the held model_ready email follow from there.
     */
    public void announceSettled() {
        for (String jobId : store.settledUnannounced()) {
            List<Sample> samples = store.ofJob(jobId);
            long stored = samples.stream().filter(Sample::isStored).count();
            journal.noteOnce(jobId, TrainingStatus.SAMPLES_READY, TrainingStatus.SAMPLES_SOURCE, stored + " of "
                    + samples.size() + " sample image(s) stored" + (stored < samples.size()
                    ? "; the others failed (see status.json)" : ""));
            store.announced(jobId);
        }
    }

    /** The extension and media type of an image, by its first bytes; null for anything else (an error page). */
    static String[] format(byte[] bytes) {
        if (bytes == null || bytes.length < 12) {
            return null;
        }
        if ((bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return new String[] {"png", "image/png"};
        }
        if ((bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff) {
            return new String[] {"jpg", "image/jpeg"};
        }
        if (bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F' && bytes[8] == 'W'
                && bytes[9] == 'E' && bytes[10] == 'B' && bytes[11] == 'P') {
            return new String[] {"webp", "image/webp"};
        }
        return null;
    }

    /** A small JPEG for the email and the dashboard; null when Java cannot read the format (WebP). */
    static byte[] preview(byte[] image) {
        try {
            BufferedImage full = ImageIO.read(new ByteArrayInputStream(image));
            if (full == null) {
                return null;
            }
            double scale = Math.min(1.0, (double) PREVIEW_SIZE / Math.max(full.getWidth(), full.getHeight()));
            int width = Math.max(1, (int) Math.round(full.getWidth() * scale));
            int height = Math.max(1, (int) Math.round(full.getHeight() * scale));
            BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = small.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(full, 0, 0, width, height, null);
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(small, "jpg", out);
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
