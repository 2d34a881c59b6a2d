package dev.dreamdrop.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dreamdrop.api.TrainingStatus;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulator of the hosted training API (see training-api.md), quirks included: errors with HTTP 200,
 * {@code messege}, numbers as strings, Laravel-style validation maps, webhooks without signatures.
 * It downloads every image link itself, walks each training through the eight documented statuses on a
 * configurable clock, and posts a webhook at each step. Faults can be injected per call, per webhook
 * and per training, and everything it received or sent can be inspected.
 *
 * <p>Behaviour the vendor leaves undocumented (cancel, delete, a failed training) is modelled on the
 * closest documented shape, {@code {status, messege, data}}, and listed in the README.
 */
public final class TrainingApiSandbox implements AutoCloseable {

    private static final Set<String> TRAINING_PATHS = Set.of("/api/v3/fine_tune", "/api/v3/fine_tune_v2",
            "/api/v3/lora_fine_tune", "/api/sandbox/v3/fine_tune");
    private static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    private static final Set<String> TRAINING_TYPES = Set.of("men", "female", "women", "couple", "null");
    private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final List<String> STEP_LOG = List.of(
            "it will take upto 25 minutes.",
            "Step:1 Training Started, 5 Steps to go : ETA : 30 minutes",
            "Step:2 Training Done, 4 Steps to go : ETA : 15 minutes",
            "Step:3 Compressing trained model, 3 Steps to go : ETA : 10 minutes",
            "Step:4 Uploading trained model, 2 Steps to go : ETA : 5 minutes",
            "Step:5 Trained model uploaded, 1 Step to go : ETA : 2 minutes",
            "Deploying model",
            "Model loaded successfully");

    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService serverThreads;
    private final ScheduledExecutorService clock;
    private final HttpClient http;
    private final Set<String> apiKeys;
    private volatile Duration stepDelay;

    private final Map<String, SandboxTraining> trainings = new ConcurrentHashMap<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<WebhookDelivery> webhooks = new CopyOnWriteArrayList<>();
    private final List<ImageFetch> imageFetches = new CopyOnWriteArrayList<>();
    private final SandboxImageStorage imageStorage;
    private final SandboxGenerations generations;

    private final Deque<ResponseFault> responseFaults = new ArrayDeque<>();
    private final Deque<ResponseFault> trainingRequestFaults = new ArrayDeque<>();
    private final Map<String, Deque<Optional<ResponseFault>>> faultsByPath = new HashMap<>();
    private final Map<WebhookFault, Integer> webhookFaults = new EnumMap<>(WebhookFault.class);
    private final Deque<String[]> trainingFaults = new ArrayDeque<>();
    private volatile Duration latency = Duration.ZERO;
    private volatile int retryAfterSeconds = 1;
    private final AtomicInteger trainingRequestsToHold = new AtomicInteger();
    private final AtomicInteger heldTrainingRequests = new AtomicInteger();
    private volatile CountDownLatch heldUntil = new CountDownLatch(0);

    private TrainingApiSandbox(int port, Set<String> apiKeys, Duration stepDelay) throws IOException {
        this.apiKeys = Set.copyOf(apiKeys);
        this.stepDelay = stepDelay;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        this.serverThreads = Executors.newFixedThreadPool(16, daemon("sandbox-http"));
        this.clock = Executors.newScheduledThreadPool(2, daemon("sandbox-clock"));
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.imageStorage = new SandboxImageStorage(json, "http://127.0.0.1:" + server.getAddress().getPort());
        this.generations = new SandboxGenerations(json, "http://127.0.0.1:" + server.getAddress().getPort(),
                trainings::get);
        server.createContext("/", this::handle);
        server.setExecutor(serverThreads);
    }

    /**
     * Starts a sandbox on 127.0.0.1.
     *
     * @param port      0 for any free port
     * @param apiKeys   the keys it accepts; any other key gets {@code Invalid Api Key}
     * @param stepDelay time between two training statuses; {@link Duration#ZERO} walks a training through
     *                  at once, {@code null} leaves the clock to {@link #advance(String)}
     */
    public static TrainingApiSandbox start(int port, Set<String> apiKeys, Duration stepDelay) throws IOException {
        TrainingApiSandbox sandbox = new TrainingApiSandbox(port, apiKeys, stepDelay);
        sandbox.server.start();
        return sandbox;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        releaseHeldTrainingRequests();
        server.stop(0);
        clock.shutdownNow();
        serverThreads.shutdownNow();
    }

    // ---------------------------------------------------------------- knobs

    /** The next {@code count} API calls answer with {@code fault} instead of normally. */
    public synchronized void failNextCalls(int count, ResponseFault fault) {
        for (int i = 0; i < count; i++) {
            responseFaults.add(fault);
        }
    }

    /**
     * The next {@code count} training requests ({@code fine_tune} and its kin) answer with {@code fault}, whatever
     * other calls (status polls, confirmations) come in between.
     */
    public synchronized void failNextTrainingRequests(int count, ResponseFault fault) {
        for (int i = 0; i < count; i++) {
            trainingRequestFaults.add(fault);
        }
    }

    /**
     * The next calls to exactly this path answer with these faults in turn, a null answering normally:
     * {@code failNextCallsTo("/api/v3/base64_crop", null, RATE_LIMITED)} lets the next upload through and refuses the
     * one after it, whatever other calls come in between.
     */
    public synchronized void failNextCallsTo(String path, ResponseFault... faults) {
        Deque<Optional<ResponseFault>> queue = faultsByPath.computeIfAbsent(path, p -> new ArrayDeque<>());
        for (ResponseFault fault : faults) {
            queue.add(Optional.ofNullable(fault));
        }
    }

    /** The next {@code count} webhook deliveries suffer {@code fault}; {@link Integer#MAX_VALUE} for all. */
    public synchronized void webhookFault(WebhookFault fault, int count) {
        webhookFaults.put(fault, count);
    }

    /** The next {@code count} trainings created fail when they reach {@code atStatus}. */
    public synchronized void failTrainings(int count, String atStatus) {
        for (int i = 0; i < count; i++) {
            trainingFaults.add(new String[] {"fail", atStatus});
        }
    }

    /** The next {@code count} trainings created stop advancing at {@code atStatus}, and never finish. */
    public synchronized void stallTrainings(int count, String atStatus) {
        for (int i = 0; i < count; i++) {
            trainingFaults.add(new String[] {"stall", atStatus});
        }
    }

    /** Every API call waits this long before it is answered. */
    public void latency(Duration latency) {
        this.latency = latency;
    }

    /**
     * The next {@code count} training requests are received and recorded, then left unanswered, their trainings
     * not yet started, until {@link #releaseHeldTrainingRequests()}: the caller waits for the API's answer as long
     * as the test needs. Released, each starts its training as usual, even if its caller is gone by then.
     */
    public void holdNextTrainingRequests(int count) {
        heldUntil = new CountDownLatch(1);
        trainingRequestsToHold.set(count);
    }

    /** How many training requests are being held now. */
    public int heldTrainingRequests() {
        return heldTrainingRequests.get();
    }

    public void releaseHeldTrainingRequests() {
        trainingRequestsToHold.set(0);
        heldUntil.countDown();
    }

    /** The {@code retry_after} that {@link ResponseFault#RATE_LIMITED} asks for. */
    public void retryAfterSeconds(int seconds) {
        this.retryAfterSeconds = seconds;
    }

    public void stepDelay(Duration stepDelay) {
        this.stepDelay = stepDelay;
    }

    /** Clears all faults, leaving trainings and records alone. */
    public synchronized void clearFaults() {
        responseFaults.clear();
        trainingRequestFaults.clear();
        faultsByPath.clear();
        webhookFaults.clear();
        trainingFaults.clear();
        latency = Duration.ZERO;
        generations.failNext(0);
        generations.stallNext(0);
    }

    // ---------------------------------------------------------------- inspection

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** The requests received on exactly this path. */
    public List<RecordedRequest> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    public List<WebhookDelivery> webhooks() {
        return List.copyOf(webhooks);
    }

    public List<ImageFetch> imageFetches() {
        return List.copyOf(imageFetches);
    }

    /** Every image {@code base64_crop} took, deleted since or not: its link and its {@code request_id}. */
    public Map<String, Long> uploadedImages() {
        return imageStorage.uploads();
    }

    /** The {@code request_id}s of the images {@code delete_image} removed from the vendor's storage, in order. */
    public List<Long> deletedImages() {
        return imageStorage.deletedRequestIds();
    }

    /** How many images uploaded with {@code base64_crop} are still on the vendor's storage. */
    /**
     * How long a generation stays {@code processing}, and how long its link answers 404 after that (defaults 2 s
     * and 1 s).
     */
    public void generationTiming(Duration generation, Duration link) {
        generations.timing(generation, link);
    }

    /** The next {@code count} generations end {@code failed}. */
    public void failGenerations(int count) {
        generations.failNext(count);
    }

    /** The next {@code count} generations stay {@code processing} for ever. */
    public void stallGenerations(int count) {
        generations.stallNext(count);
    }

    /** The picture of each generation the sandbox made, by its output link (failed and stalled ones have none). */
    public Map<String, byte[]> generatedImages() {
        Map<String, byte[]> images = new java.util.LinkedHashMap<>();
        generations.all().stream().filter(g -> g.png() != null)
                .forEach(g -> images.put(baseUrl() + g.link(), g.png()));
        return images;
    }

    public int storedImages() {
        return imageStorage.storedImages();
    }

    /** Current status of a training: a training step, {@code failed}, {@code cancelled}, or null if unknown. */
    public String statusOf(String trainingId) {
        SandboxTraining training = trainings.get(trainingId);
        if (training == null) {
            return null;
        }
        synchronized (training) {
            return training.status;
        }
    }

    public Set<String> trainingIds() {
        return Set.copyOf(trainings.keySet());
    }

    /** Moves a training one status forward (for a sandbox started with a manual clock). */
    public void advance(String trainingId) {
        SandboxTraining training = trainings.get(trainingId);
        if (training != null) {
            step(training, false);
        }
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            String body = readBody(exchange);
            if (path.startsWith(SandboxImageStorage.LINK_PATH)) {
                imageStorage.serve(exchange, path);
                return;
            }
            if (path.startsWith(SandboxGenerations.LINK_PATH)) {
                generations.serve(exchange, path);
                return;
            }
            if (path.startsWith("/_sandbox/")) {
                control(exchange, path, body);
                return;
            }
            requests.add(new RecordedRequest(Instant.now(), exchange.getRequestMethod(), path, body));
            pause(latency);
            if (!"POST".equals(exchange.getRequestMethod())) {
                send(exchange, 405, error("The " + exchange.getRequestMethod()
                        + " method is not supported for this route. Supported methods: POST."));
                return;
            }
            ResponseFault fault = nextResponseFault(path);
            if (fault != null && fault != ResponseFault.ACCEPT_WITHOUT_ANSWER) {
                answerWithFault(exchange, fault);
                return;
            }
            ObjectNode answer = api(path, body);
            if (fault == ResponseFault.ACCEPT_WITHOUT_ANSWER) {
                // closing an exchange before sendResponseHeaders drops the connection: the caller
                // sent its request and never learns what became of it
                return;
            }
            send(exchange, answer.has("http_status") ? answer.remove("http_status").asInt() : 200, answer);
        } catch (RuntimeException e) {
            send(exchange, 500, error("Server Error"));
        } finally {
            exchange.close();
        }
    }

    private ObjectNode api(String path, String body) {
        JsonNode request = parse(body);
        if (path.equals("/api/v3/finetune_list")) {
            return authorised(request, this::list);
        }
        if (path.equals("/api/v3/base64_crop")) {
            return authorised(request, key -> imageStorage.upload(request));
        }
        if (path.equals("/api/v3/delete_image")) {
            return authorised(request, key -> imageStorage.delete(request));
        }
        if (path.equals(SandboxGenerations.GENERATE_PATH)) {
            return authorised(request, key -> generations.generate(key, request));
        }
        if (path.equals(SandboxGenerations.FETCH_PATH) || path.startsWith(SandboxGenerations.FETCH_PATH + "/")) {
            return authorised(request, key -> generations.fetch(request, path.equals(SandboxGenerations.FETCH_PATH)
                    ? null : path.substring(SandboxGenerations.FETCH_PATH.length() + 1)));
        }
        String[] parts = path.split("/");
        String last = parts[parts.length - 1];
        if (path.startsWith("/api/v3/fine_tune_status/") || path.startsWith("/api/sandbox/v3/fine_tune_status/")) {
            return authorised(request, key -> status(key, last));
        }
        if (path.startsWith("/api/v3/finetune/delete/")) {
            return authorised(request, key -> delete(key, last));
        }
        if (path.startsWith("/api/v3/cancle_training/") || path.startsWith("/api/v3/cancel_training/")) {
            return authorised(request, key -> cancel(key, last));
        }
        if (TRAINING_PATHS.contains(path)) {
            return authorised(request, key -> create(key, path, request));
        }
        ObjectNode notFound = error("Not Found");
        notFound.put("http_status", 404);
        return notFound;
    }

    private void holdIfAsked() {
        if (trainingRequestsToHold.getAndUpdate(left -> Math.max(0, left - 1)) == 0) {
            return;
        }
        heldTrainingRequests.incrementAndGet();
        try {
            heldUntil.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            heldTrainingRequests.decrementAndGet();
        }
    }

    private ObjectNode authorised(JsonNode request, java.util.function.Function<String, ObjectNode> action) {
        String key = request == null ? null : request.path("key").asText(null);
        if (key == null || !apiKeys.contains(key)) {
            ObjectNode invalid = error("Invalid Api Key");
            invalid.put("tip", "1. Make sure you are passing Content-Type: application/json in header. "
                    + "2. Make sure you are doing POST request with valid JSON. "
                    + "3. Make sure your JSON does not have error, use jsonlint to validate json array. "
                    + "4. Make sure you have valid API key.");
            return invalid;
        }
        return action.apply(key);
    }

    // ---------------------------------------------------------------- endpoints

    private ObjectNode create(String key, String path, JsonNode request) {
        holdIfAsked();
        Map<String, List<String>> problems = validateTraining(path, request);
        if (!problems.isEmpty()) {
            ObjectNode answer = json.createObjectNode().put("status", "error");
            answer.set("messege", json.valueToTree(problems));
            return answer;
        }
        List<String> images = new ArrayList<>();
        request.get("images").forEach(link -> images.add(link.asText()));
        String webhook = request.path("webhook").isTextual() ? request.get("webhook").asText() : "";
        SandboxTraining training = new SandboxTraining(newId(), key, path, images, webhook);
        String[] trainingFault = nextTrainingFault();
        if (trainingFault != null) {
            if (trainingFault[0].equals("fail")) {
                training.failAt = trainingFault[1];
            } else {
                training.stallAt = trainingFault[1];
            }
        }
        trainings.put(training.id, training);
        step(training, true);
        ObjectNode answer = json.createObjectNode()
                .put("status", "success")
                .put("messege", "deploying_gpu")
                .put("data", STEP_LOG.get(0))
                .put("training_id", training.id)
                .put("model_id", training.id);
        return answer;
    }

    private Map<String, List<String>> validateTraining(String path, JsonNode request) {
        Map<String, List<String>> problems = new LinkedHashMap<>();
        List<String> required = new ArrayList<>(List.of("instance_prompt", "class_prompt", "images", "training_type"));
        boolean v2 = path.endsWith("fine_tune_v2");
        boolean lora = path.endsWith("lora_fine_tune");
        if (!path.startsWith("/api/sandbox/") && !lora) {
            required.add("base_model_id");
        }
        if (!v2) {
            required.add("max_train_steps");
        }
        if (v2) {
            required.addAll(List.of("learning_rate_unet", "steps_unet", "learning_rate_text_encoder",
                    "steps_text_encoder"));
        }
        if (lora) {
            required.addAll(List.of("base_model_type", "lora_type"));
        }
        for (String field : required) {
            JsonNode value = request.get(field);
            if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())
                    || (value.isArray() && value.isEmpty())) {
                problems.put(field, List.of("The " + field.replace('_', ' ') + " field is required."));
            }
        }
        JsonNode images = request.get("images");
        if (images != null && !images.isNull() && !images.isArray()) {
            problems.put("images", List.of("The images must be an array."));
        } else if (images != null && images.isArray()) {
            for (int i = 0; i < images.size(); i++) {
                String link = images.get(i).asText("");
                if (!(link.startsWith("http://") || link.startsWith("https://"))) {
                    problems.put("images." + i, List.of("The images." + i + " format is invalid."));
                }
            }
        }
        JsonNode type = request.get("training_type");
        if (type != null && !type.isNull() && !problems.containsKey("training_type")
                && !TRAINING_TYPES.contains(type.asText())) {
            problems.put("training_type", List.of("The selected training type is invalid."));
        }
        checkSteps(request, "max_train_steps", problems);
        if (v2) {
            checkSteps(request, "steps_unet", problems);
            checkSteps(request, "steps_text_encoder", problems);
            checkLearningRate(request, "learning_rate_unet", problems);
            checkLearningRate(request, "learning_rate_text_encoder", problems);
        }
        if (lora) {
            checkOneOf(request, "base_model_type", Set.of("normal", "sdxl"), problems);
            checkOneOf(request, "lora_type", Set.of("lora", "lycoris"), problems);
        }
        return problems;
    }

    private static void checkSteps(JsonNode request, String field, Map<String, List<String>> problems) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull() || problems.containsKey(field)) {
            return;
        }
        try {
            int steps = Integer.parseInt(value.asText().trim());
            if (steps < 1 || steps > 2000) {
                problems.put(field, List.of("The " + field.replace('_', ' ') + " must be between 1 and 2000."));
            }
        } catch (NumberFormatException e) {
            problems.put(field, List.of("The " + field.replace('_', ' ') + " must be an integer."));
        }
    }

    private static void checkLearningRate(JsonNode request, String field, Map<String, List<String>> problems) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull() || problems.containsKey(field)) {
            return;
        }
        try {
            if (new BigDecimal(value.asText().trim()).signum() <= 0) {
                problems.put(field, List.of("The " + field.replace('_', ' ') + " must be greater than 0."));
            }
        } catch (NumberFormatException e) {
            problems.put(field, List.of("The " + field.replace('_', ' ') + " must be a number."));
        }
    }

    private static void checkOneOf(JsonNode request, String field, Set<String> allowed,
                                   Map<String, List<String>> problems) {
        JsonNode value = request.get(field);
        if (value != null && !problems.containsKey(field) && !allowed.contains(value.asText())) {
            problems.put(field, List.of("The selected " + field.replace('_', ' ') + " is invalid."));
        }
    }

    private ObjectNode status(String key, String trainingId) {
        SandboxTraining training = trainings.get(trainingId);
        if (training == null || !training.apiKey.equals(key) || training.deleted) {
            return error("Invalid training id");
        }
        synchronized (training) {
            ObjectNode answer = json.createObjectNode()
                    .put("status", training.failed || training.cancelled ? "failed" : "success")
                    .put("messege", training.status);
            StringBuilder data = new StringBuilder();
            training.log.forEach(line -> data.append(" /n ").append(line));
            answer.put("data", data.toString());
            return answer;
        }
    }

    private ObjectNode list(String key) {
        ArrayNode ids = json.createArrayNode();
        trainings.values().stream()
                .filter(t -> t.apiKey.equals(key) && !t.deleted)
                .forEach(t -> ids.add(t.id));
        ObjectNode answer = json.createObjectNode().put("status", "success").put("messege", "model list");
        answer.set("data", ids);
        return answer;
    }

    private ObjectNode delete(String key, String trainingId) {
        SandboxTraining training = trainings.get(trainingId);
        if (training == null || !training.apiKey.equals(key) || training.deleted) {
            return error("Model not found");
        }
        synchronized (training) {
            training.deleted = true;
        }
        return json.createObjectNode().put("status", "success").put("messege", "model deleted")
                .put("data", trainingId);
    }

    private ObjectNode cancel(String key, String trainingId) {
        SandboxTraining training = trainings.get(trainingId);
        if (training == null || !training.apiKey.equals(key) || training.deleted) {
            return error("Invalid training id");
        }
        synchronized (training) {
            if (training.isFinished()) {
                return error("Training already " + training.status);
            }
            training.cancelled = true;
            training.status = TrainingStatus.CANCELLED;
            training.log.add("Training cancelled");
        }
        return json.createObjectNode().put("status", "success").put("messege", "training cancelled")
                .put("data", trainingId);
    }

    // ---------------------------------------------------------------- the training clock

    /** Moves a training to its next status, fetching its images first when it starts training. */
    private void step(SandboxTraining training, boolean first) {
        String failure = null;
        synchronized (training) {
            if (training.isFinished() || training.deleted) {
                return;
            }
            int next = first ? 0 : training.step + 1;
            if (next >= TrainingStatus.TRAINING_STEPS.size()) {
                return;
            }
            String nextStatus = TrainingStatus.TRAINING_STEPS.get(next);
            if (!first && nextStatus.equals(training.stallAt)) {
                return;
            }
            if (next == 1) {
                failure = fetchImages(training);
            }
            if (failure == null && nextStatus.equals(training.failAt)) {
                failure = "Training failed at " + nextStatus;
            }
            if (failure != null) {
                training.failed = true;
                training.status = TrainingStatus.FAILED;
                training.log.add(failure);
            } else {
                training.step = next;
                training.status = nextStatus;
                training.log.add(STEP_LOG.get(next));
            }
        }
        String reason = failure;
        if (first) {
            // the real API answers the create call before its first webhook goes out
            clock.execute(() -> {
                deliverWebhook(training, reason);
                scheduleNext(training);
            });
        } else {
            deliverWebhook(training, reason);
            scheduleNext(training);
        }
    }

    private void scheduleNext(SandboxTraining training) {
        Duration delay = stepDelay;
        if (delay != null && !training.isFinished()) {
            clock.schedule(() -> step(training, false), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private String fetchImages(SandboxTraining training) {
        String failure = null;
        for (int i = 0; i < training.images.size(); i++) {
            String url = training.images.get(i);
            ImageFetch fetch = fetchImage(training, url);
            imageFetches.add(fetch);
            if (!fetch.isUsable() && failure == null) {
                failure = "Image " + (i + 1) + " could not be used: "
                        + (fetch.error() != null ? fetch.error() : "it is " + fetch.width() + "x" + fetch.height()
                        + ", expected 512x512");
            }
        }
        return failure;
    }

    private ImageFetch fetchImage(SandboxTraining training, String url) {
        String trainingId = training.id;
        try {
            HttpResponse<byte[]> response = http.send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return new ImageFetch(trainingId, url, response.statusCode(), 0, 0,
                        "HTTP " + response.statusCode());
            }
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(response.body()));
            if (image == null) {
                return new ImageFetch(trainingId, url, 200, 0, 0, "not a decodable image");
            }
            if (training.firstPhoto == null) {
                training.firstPhoto = image;
            }
            return new ImageFetch(trainingId, url, 200, image.getWidth(), image.getHeight(), null);
        } catch (IOException | IllegalArgumentException e) {
            return new ImageFetch(trainingId, url, -1, 0, 0, "no answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ImageFetch(trainingId, url, -1, 0, 0, "interrupted");
        }
    }

    private void deliverWebhook(SandboxTraining training, String failure) {
        if (training.webhookUrl == null || training.webhookUrl.isBlank()) {
            return;
        }
        WebhookFault fault = nextWebhookFault();
        String status;
        ObjectNode body = json.createObjectNode();
        synchronized (training) {
            status = training.status;
            body.put("status", failure == null ? "success" : "failed")
                    .put("training_status", status)
                    .put("logs", training.log.get(training.log.size() - 1))
                    .put("model_id", training.id);
        }
        String text = body.toString();
        if (fault == WebhookFault.LEGACY_TRAILING_COMMA) {
            text = text.substring(0, text.length() - 1) + ",}";
        }
        if (fault == WebhookFault.DROP) {
            webhooks.add(new WebhookDelivery(Instant.now(), training.id, status, training.webhookUrl, text,
                    true, -1, "dropped on purpose"));
            return;
        }
        SandboxTraining.PendingWebhook held;
        synchronized (training) {
            held = training.heldBack;
            training.heldBack = null;
            if (fault == WebhookFault.REORDER && !training.isFinished()) {
                training.heldBack = new SandboxTraining.PendingWebhook(status, text);
                return;
            }
        }
        post(training, status, text);
        if (fault == WebhookFault.DUPLICATE) {
            post(training, status, text);
        }
        if (held != null) {
            post(training, held.trainingStatus(), held.body());
        }
    }

    private void post(SandboxTraining training, String status, String body) {
        int code = -1;
        String error = null;
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(training.webhookUrl))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
            code = response.statusCode();
        } catch (IOException | IllegalArgumentException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        webhooks.add(new WebhookDelivery(Instant.now(), training.id, status, training.webhookUrl, body,
                false, code, error));
    }

    // ---------------------------------------------------------------- fault bookkeeping

    private synchronized ResponseFault nextResponseFault(String path) {
        Deque<Optional<ResponseFault>> forPath = faultsByPath.get(path);
        Optional<ResponseFault> planned = forPath == null ? null : forPath.poll();
        if (planned != null) {
            return planned.orElse(null);
        }
        ResponseFault fault = responseFaults.poll();
        return fault == null && TRAINING_PATHS.contains(path) ? trainingRequestFaults.poll() : fault;
    }

    private synchronized String[] nextTrainingFault() {
        return trainingFaults.poll();
    }

    private synchronized WebhookFault nextWebhookFault() {
        for (WebhookFault fault : WebhookFault.values()) {
            Integer remaining = webhookFaults.get(fault);
            if (remaining != null && remaining > 0) {
                if (remaining != Integer.MAX_VALUE) {
                    webhookFaults.put(fault, remaining - 1);
                }
                return fault;
            }
        }
        return null;
    }

    private void answerWithFault(HttpExchange exchange, ResponseFault fault) throws IOException {
        switch (fault) {
            case SERVER_ERROR:
                send(exchange, 503, error("Service Unavailable"));
                break;
            case RATE_LIMITED:
                ObjectNode limited = error("Rate limit exceeded. Maximum 5 queued requests allowed.");
                limited.put("retry_after", retryAfterSeconds);
                exchange.getResponseHeaders().set("Retry-After", String.valueOf(retryAfterSeconds));
                send(exchange, 429, limited);
                break;
            case SPAM_FILTER:
                ObjectNode spam = error("Rate limit exceeded");
                spam.put("tips", "you are sending same request multiple times, spam filter is enabled, "
                        + "please wait for 30 seconds and try again");
                send(exchange, 200, spam);
                break;
            case FAILED_TRY_AGAIN:
                send(exchange, 200, json.createObjectNode().put("status", "failed").put("id", "")
                        .put("message", "Failed, Try Again").put("output", ""));
                break;
            case INSUFFICIENT_CREDITS:
                send(exchange, 200, error("Insufficient credits. Please add more credits to continue."));
                break;
            default:
                throw new IllegalStateException(fault.name());
        }
    }

    // ---------------------------------------------------------------- control endpoints (standalone use)

    private void control(HttpExchange exchange, String path, String body) throws IOException {
        switch (path) {
            case "/_sandbox/requests":
                send(exchange, 200, json.valueToTree(requests));
                return;
            case "/_sandbox/webhooks":
                send(exchange, 200, json.valueToTree(webhooks));
                return;
            case "/_sandbox/image-fetches":
                send(exchange, 200, json.valueToTree(imageFetches));
                return;
            case "/_sandbox/faults":
                JsonNode knobs = parse(body);
                if (knobs == null || !"POST".equals(exchange.getRequestMethod())) {
                    send(exchange, 400, error("POST a JSON object of knobs, see the README"));
                    return;
                }
                try {
                    applyKnobs(knobs);
                } catch (IllegalArgumentException e) {
                    send(exchange, 400, error(e.getMessage()));
                    return;
                }
                send(exchange, 200, json.createObjectNode().put("status", "success"));
                return;
            default:
                send(exchange, 404, error("Not Found"));
        }
    }

    /**
     * Applies knobs given as JSON, e.g. {@code {"fail_next": 2, "fault": "server_error"}},
     * {@code {"webhooks": "duplicate", "count": 3}}, {@code {"latency_ms": 200}},
     * {@code {"fail_trainings": 1, "at": "training_started"}}, {@code {"clear": true}}.
     */
    public void applyKnobs(JsonNode knobs) {
        if (knobs.path("clear").asBoolean(false)) {
            clearFaults();
        }
        if (knobs.has("fail_next")) {
            failNextCalls(knobs.get("fail_next").asInt(), ResponseFault.valueOf(upper(knobs.path("fault").asText())));
        }
        if (knobs.has("webhooks")) {
            int count = knobs.path("count").asInt(Integer.MAX_VALUE);
            webhookFault(WebhookFault.valueOf(upper(knobs.get("webhooks").asText())), count);
        }
        if (knobs.has("latency_ms")) {
            latency(Duration.ofMillis(knobs.get("latency_ms").asLong()));
        }
        if (knobs.has("retry_after")) {
            retryAfterSeconds(knobs.get("retry_after").asInt());
        }
        if (knobs.has("fail_trainings")) {
            failTrainings(knobs.get("fail_trainings").asInt(), knobs.path("at").asText("training_started"));
        }
        if (knobs.has("stall_trainings")) {
            stallTrainings(knobs.get("stall_trainings").asInt(), knobs.path("at").asText("training_started"));
        }
        if (knobs.has("fail_generations")) {
            failGenerations(knobs.get("fail_generations").asInt());
        }
        if (knobs.has("stall_generations")) {
            stallGenerations(knobs.get("stall_generations").asInt());
        }
        if (knobs.has("generation_ms")) {
            generationTiming(Duration.ofMillis(knobs.get("generation_ms").asLong()),
                    Duration.ofMillis(knobs.path("link_delay_ms").asLong(1000)));
        }
    }

    private static String upper(String name) {
        return name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    // ---------------------------------------------------------------- helpers

    private ObjectNode error(String message) {
        return json.createObjectNode().put("status", "error").put("message", message);
    }

    private ObjectNode validationError(String field, String message) {
        ObjectNode answer = json.createObjectNode().put("status", "error");
        answer.set("messege", json.createObjectNode().set(field, json.createArrayNode().add(message)));
        return answer;
    }

    private JsonNode parse(String body) {
        try {
            JsonNode node = json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String newId() {
        StringBuilder id = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }

    private void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_REQUEST_BYTES);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static void pause(Duration duration) {
        if (!duration.isZero()) {
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong count = new AtomicLong();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
