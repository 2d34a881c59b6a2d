package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import software.amazon.awssdk.core.sync.RequestBody;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Figure 6, DreamDrop at enterprise size: the S3 inbox's cost against the sets waiting in it for their READY (S3
 * requests a minute, counted at the S3 server, DreamDrop's CPU a minute, one scan's span at the server), over an
 * empty journal and one of 5,000 jobs; and the operator API's job list with 50 and 5,000 jobs. Each of this build
 * and an earlier one (bench/run --before REV) in the same run.
 */
final class ScaleBench {

    private static final Duration POLL = Duration.ofSeconds(5);
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private final Path work;
    private final Duration window;
    private final int[] waiting;
    private final int bigJournal;
    private final Report report;
    private final Path before;

    ScaleBench(Path work, Duration window, int[] waiting, int bigJournal, Report report, Path before) {
        this.work = work;
        this.window = window;
        this.waiting = waiting;
        this.bigJournal = bigJournal;
        this.report = report;
        this.before = before;
    }

    /** What one build did with an inbox of waiting sets, over the window. */
    private record InboxCost(double requestsPerMinute, double cpuSecondsPerMinute, double scanMillis) {
        String text() {
            return String.format("%,.0f S3 requests/min, %.1f CPU s/min, scan %.0f ms", requestsPerMinute,
                    cpuSecondsPerMinute, scanMillis);
        }
    }

    void run() throws Exception {
        for (int journalJobs : new int[] {0, bigJournal}) {
            for (int sets : waiting) {
                if (journalJobs > 0 && sets != waiting[waiting.length - 1]) {
                    continue;
                }
                InboxCost now = inboxCost(null, sets, journalJobs);
                InboxCost then = before == null ? null : inboxCost(before, sets, journalJobs);
                report.add(String.format("S3 inbox, %,d sets waiting for READY, journal of %,d jobs", sets,
                        journalJobs), now.text(), then == null ? "-" : "before: " + then.text(),
                        then == null || now.requestsPerMinute() == 0 ? "-"
                                : String.format("%.2fx requests", now.requestsPerMinute() / then.requestsPerMinute()),
                        "a scan is 1 + objects/1,000 requests", sets == 0 || now.requestsPerMinute()
                                <= 60.0 / POLL.toSeconds() * (1 + (sets + 999) / 1000) * 1.2);
            }
        }
        for (int jobs : new int[] {50, bigJournal}) {
            double[] now = jobList(null, jobs);
            double[] then = before == null ? null : jobList(before, jobs);
            report.add(String.format("GET /api/jobs (first page), journal of %,d jobs", jobs),
                    String.format("%.1f ms p50, %,.0f bytes", now[0], now[1]),
                    then == null ? "-" : String.format("before: %.1f ms p50, %,.0f bytes (every job)", then[0], then[1]),
                    then == null ? "-" : String.format("%.2fx", now[0] / then[0]),
                    "the same time at 5,000 jobs as at 50");
        }
    }

    /** Starts the build (null: this one) on an S3 inbox of {@code sets} waiting sets and measures a window of it. */
    private InboxCost inboxCost(Path tree, int sets, int journalJobs) throws Exception {
        Path data = work.resolve("scale-s3");
        LocalFiles.deleteTree(data);
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
             RunningS3 s3 = new RunningS3()) {
            for (int i = 0; i < sets; i++) {
                String key = String.format("inbox/waiting-%04d/photo-01.jpg", i);
                s3.client().putObject(b -> b.bucket(RunningS3.BUCKET).key(key), RequestBody.fromString("uploading"));
            }
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.put("dreamdrop.intake", "s3");
            settings.put("dreamdrop.s3.poll-interval", POLL.toSeconds() + "s");
            settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
            fillJournal(tree, data, sandbox, settings, journalJobs);
            try (DreamDropProcess dreamDrop = start(tree, data, sandbox, settings)) {
                dreamDrop.awaitReady(Duration.ofSeconds(60));
                // past the start-up's own work (the compiler's most of all), which is not what a scan costs
                Thread.sleep(SETTLE.toMillis());
                s3.forgetOperations();
                double cpu = dreamDrop.cpuSeconds();
                long started = System.nanoTime();
                Thread.sleep(window.toMillis());
                List<RunningS3.Operation> seen = s3.operations();
                double minutes = (System.nanoTime() - started) / 60e9;
                double cpuPerMinute = (dreamDrop.cpuSeconds() - cpu) / minutes;
                long scans = seen.stream().filter(o -> o.isListingOf("inbox/") && o.firstPage()).count();
                return new InboxCost(seen.size() / minutes, cpuPerMinute, scanSpan(seen, scans));
            }
        }
    }

    /**
     * The span at the server of the scans in the window: from the start of each first page to the end of the last
     * request before the next scan (operations are recorded as they end, so in the order they end).
     */
    private static double scanSpan(List<RunningS3.Operation> seen, long scans) {
        List<Long> spans = new ArrayList<>();
        long start = -1;
        long last = -1;
        for (RunningS3.Operation operation : seen) {
            if (operation.isListingOf("inbox/") && operation.firstPage()) {
                if (start >= 0) {
                    spans.add(last - start);
                }
                start = operation.startNanos();
            }
            last = operation.endNanos();
        }
        if (start >= 0 && scans > 1) {
            spans.add(last - start);
        }
        return spans.isEmpty() ? 0 : Stats.median(spans.stream().map(n -> n / 1e6).toList());
    }

    /** The first page of the job list, asked 30 times of the build over a journal of {@code jobs} jobs. */
    private double[] jobList(Path tree, int jobs) throws Exception {
        Path data = work.resolve("scale-api");
        LocalFiles.deleteTree(data);
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO)) {
            Map<String, String> settings = new HashMap<>();
            fillJournal(tree, data, sandbox, settings, jobs);
            try (DreamDropProcess dreamDrop = start(tree, data, sandbox, settings)) {
                dreamDrop.awaitReady(Duration.ofSeconds(60));
                HttpClient http = HttpClient.newHttpClient();
                HttpRequest list = HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl() + "/api/jobs")).build();
                List<Double> millis = new ArrayList<>();
                long bytes = 0;
                for (int i = 0; i < 40; i++) {
                    long started = System.nanoTime();
                    HttpResponse<String> page = http.send(list, HttpResponse.BodyHandlers.ofString());
                    if (i >= 10) {
                        millis.add((System.nanoTime() - started) / 1e6);
                    }
                    bytes = page.body().length();
                }
                return new double[] {Stats.median(millis), bytes};
            }
        }
    }

    private static DreamDropProcess start(Path tree, Path data, TrainingApiSandbox sandbox,
                                          Map<String, String> settings) throws Exception {
        return tree == null ? DreamDropProcess.start(data, sandbox, "512m", settings)
                : DreamDropProcess.startBuild(tree, data, sandbox, "512m", settings);
    }

    /**
     * A journal of {@code jobs} ended jobs, as the build's own migrations shaped it: the build is started once (it
     * creates its tables) and stopped, then the jobs are written, each with its two events.
     */
    private static void fillJournal(Path tree, Path data, TrainingApiSandbox sandbox, Map<String, String> settings,
                                    int jobs) throws Exception {
        try (DreamDropProcess migrate = start(tree, data, sandbox, settings)) {
            migrate.awaitReady(Duration.ofSeconds(60));
        }
        if (jobs == 0) {
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + data.resolve("journal").toAbsolutePath(),
                "sa", "")) {
            c.setAutoCommit(false);
            try (PreparedStatement job = c.prepareStatement("INSERT INTO jobs (id, source, set_name, fingerprint,"
                    + " status, training_id, webhook_token, image_token, image_count, created_at, updated_at, moved)"
                    + " VALUES (?, 'folder', ?, 'fp', 'model_ready', ?, ?, ?, 8, ?, ?, TRUE)");
                 PreparedStatement event = c.prepareStatement("INSERT INTO job_events (job_id, status, source, detail,"
                         + " applied, previous, received_at) VALUES (?, ?, 'webhook', 'it will take upto 25 minutes',"
                         + " TRUE, ?, ?)")) {
                Instant start = Instant.now().minus(Duration.ofDays(10));
                for (int i = 0; i < jobs; i++) {
                    String id = UUID.randomUUID().toString();
                    Timestamp at = Timestamp.from(start.plusSeconds(60L * i));
                    job.setString(1, id);
                    job.setString(2, String.format("set-%05d", i));
                    job.setString(3, "T" + i);
                    job.setString(4, UUID.randomUUID().toString());
                    job.setString(5, UUID.randomUUID().toString());
                    job.setTimestamp(6, at);
                    job.setTimestamp(7, at);
                    job.addBatch();
                    for (String[] step : new String[][] {{"submitting", "claimed"}, {"model_ready", "deploying_model"}}) {
                        event.setString(1, id);
                        event.setString(2, step[0]);
                        event.setString(3, step[1]);
                        event.setTimestamp(4, at);
                        event.addBatch();
                    }
                }
                job.executeBatch();
                event.executeBatch();
            }
            c.commit();
        }
    }
}
