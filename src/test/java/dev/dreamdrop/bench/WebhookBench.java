package dev.dreamdrop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.testing.RequiredTools;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figure 3: wrk posting status events to a real job's webhook URL (each one journalled), alternating with wrk
 * against a bare endpoint on the same HTTP server (the ceiling).
 */
final class WebhookBench {

    /** Each request's logs carry the wrk thread and a counter, so the journal shows any event lost or doubled. */
    private static final String SCRIPT = """
            local counter = 0
            local thread_number = 0
            function init(args)
              run = args[1]
            end
            function setup(thread)
              thread_number = thread_number + 1
              thread:set("number", thread_number)
            end
            function request()
              counter = counter + 1
              return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
                '{"status":"success","training_status":"training_started","logs":"bench ' .. run .. '-' .. number
                .. '-' .. counter .. '","model_id":"TRAINING_ID"}')
            end
            """;
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private final Path work;
    private final int rounds;
    private final int seconds;
    private final Report report;
    /** A checkout of an earlier revision, built, measured alternately with this build; null = none. */
    private final Path before;

    WebhookBench(Path work, int rounds, int seconds, Report report, Path before) {
        this.work = work;
        this.rounds = rounds;
        this.seconds = seconds;
        this.report = report;
        this.before = before;
    }

    /** One DreamDrop under load: its webhook figures and what it acknowledged. */
    private final class Target implements AutoCloseable {
        final String name;
        final Path data;
        final TrainingApiSandbox sandbox;
        final DreamDropProcess dreamDrop;
        final List<Double> rate = new ArrayList<>();
        final List<Double> p50 = new ArrayList<>();
        final List<Double> p99 = new ArrayList<>();
        final List<Double> bareRate = new ArrayList<>();
        final List<Double> bareP99 = new ArrayList<>();
        long acknowledged;
        long refused;
        String trainingId;
        String webhookUrl;
        Path script;

        Target(String name, Path tree, List<Path> photos) throws Exception {
            this.name = name;
            data = work.resolve(name);
            LocalFiles.deleteTree(data);
            sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
            Map<String, String> settings = Map.of("camel.main.routes-include-pattern",
                    "file:routes/*.camel.yaml,file:bench/bare-endpoint.camel.yaml",
                    "dreamdrop.inbox.poll-interval", "200ms");
            // alone (the tests' smoke run, before the jar is built) from the class path; compared with an earlier
            // build, both alike: each from its own jar and folder, each with the bare endpoint and its load
            dreamDrop = tree == null ? DreamDropProcess.start(data, sandbox, "512m", settings)
                    : DreamDropProcess.startBuild(tree, data, sandbox, "512m", settings);
            dreamDrop.awaitReady(Duration.ofSeconds(60));
            Path set = Files.createDirectories(dreamDrop.inbox().resolve("webhook-bench"));
            for (int i = 0; i < Math.min(2, photos.size()); i++) {
                Files.createLink(set.resolve("photo-" + i + "." + photos.get(i).getFileName().toString()
                        .replaceFirst(".*\\.", "")), photos.get(i));
            }
            Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of webhook person\n");
            Files.writeString(set.resolve("READY"), "");
            while (sandbox.trainingIds().isEmpty()) {
                Thread.sleep(50);
            }
            Thread.sleep(1000);
            trainingId = sandbox.trainingIds().iterator().next();
            webhookUrl = new ObjectMapper().readTree(sandbox.requests("/api/v3/fine_tune").get(0).body())
                    .get("webhook").asText();
            script = data.resolve("webhook.lua");
            Files.writeString(script, SCRIPT.replace("TRAINING_ID", trainingId));
        }

        void measure(int round) throws Exception {
            String webhook = wrk(script, webhookUrl, name + "-r" + round);
            String bare = wrk(null, dreamDrop.publicUrl() + "/bench/bare", name + "-bare-r" + round);
            bareRate.add(requestsPerSecond(bare));
            bareP99.add(latencyMs(bare, "99%"));
            long requests = count(REQUESTS, webhook);
            long failed = count(NON_2XX, webhook);
            acknowledged += requests - failed;
            refused += failed;
            rate.add(requestsPerSecond(webhook));
            p50.add(latencyMs(webhook, "50%"));
            p99.add(latencyMs(webhook, "99%"));
        }

        /** Checks, once stopped, that the journal holds every acknowledged event once. */
        boolean nothingLostOrDoubled() throws Exception {
            long[] journal = journalledEvents(data.resolve("journal"), trainingId);
            report.expect("webhook events answered with an error (" + name + ")", 0, refused);
            if (journal[0] < acknowledged) {
                report.fail("webhook events lost (" + name + "): " + acknowledged + " acknowledged, " + journal[0]
                        + " in the journal");
            }
            report.expect("webhook events journalled twice (" + name + ")", 0, journal[0] - journal[1]);
            report.add("webhook events acknowledged / in the journal" + (name.equals("webhook") ? "" : " (" + name
                    + ")"), acknowledged + " / " + journal[0], "-", "-", "nothing lost or doubled",
                    journal[0] >= acknowledged && journal[0] == journal[1]);
            return journal[0] >= acknowledged;
        }

        @Override
        public void close() throws Exception {
            dreamDrop.close();
            sandbox.close();
        }
    }

    void run(List<Path> photos) throws Exception {
        if (!RequiredTools.installed("wrk")) {
            report.fail("wrk is not installed (Debian package wrk); the webhook figures were not measured");
            return;
        }
        Target current = new Target("webhook", before == null ? null : Path.of("").toAbsolutePath(), photos);
        Target earlier = before == null ? null : new Target("webhook-before", before, photos);
        try {
            for (int round = 0; round < rounds; round++) {
                // which build goes first alternates, so that neither always follows the other's load
                List<Target> order = earlier == null ? List.of(current)
                        : round % 2 == 0 ? List.of(current, earlier) : List.of(earlier, current);
                for (Target target : order) {
                    target.measure(round);
                }
            }
        } finally {
            current.close();
            if (earlier != null) {
                earlier.close();
            }
        }
        current.nothingLostOrDoubled();
        report.add("webhook events per second (each journalled)", Stats.spread(current.rate, "%.0f/s"),
                "bare endpoint " + Stats.spread(current.bareRate, "%.0f/s"),
                ImageBench.ratio(Stats.median(current.rate), Stats.median(current.bareRate)), "at least 1,000/s",
                Stats.median(current.rate) >= 1000);
        report.add("webhook latency p50 / p99", Stats.spread(current.p50, "%.1f") + " / "
                        + Stats.spread(current.p99, "%.1f ms"), "bare endpoint p99 " + Stats.spread(current.bareP99, "%.1f ms"),
                ImageBench.ratio(Stats.median(current.p99), Stats.median(current.bareP99)), "p99 under 50 ms",
                Stats.median(current.p99) < 50);
        if (earlier != null) {
            earlier.nothingLostOrDoubled();
            String revision = before.getFileName().toString();
            report.add("webhook events per second, this build vs " + revision, Stats.spread(current.rate, "%.0f/s"),
                    revision + " " + Stats.spread(earlier.rate, "%.0f/s"),
                    ImageBench.ratio(Stats.median(current.rate), Stats.median(earlier.rate)), "no worse than before",
                    Stats.median(current.rate) >= Stats.median(earlier.rate));
            report.add("webhook latency p99, this build vs " + revision, Stats.spread(current.p99, "%.1f ms"),
                    revision + " " + Stats.spread(earlier.p99, "%.1f ms"),
                    ImageBench.ratio(Stats.median(current.p99), Stats.median(earlier.p99)), "no worse than before",
                    Stats.median(current.p99) <= Stats.median(earlier.p99));
        }
        report.note("Webhooks: wrk -t2 -c16 -d" + seconds + "s from the same 2-core machine, against the webhook URL"
                + " of a job whose training is running (each event is checked against the job, written to the"
                + " journal with its own id and queued in the status outbox for the results sinks), alternating"
                + " with a bare platform-http route on the same server (bench/bare-endpoint.camel.yaml) that answers"
                + " 200 at once" + (earlier == null ? "" : "; compared with the build of " + before.getFileName()
                + ": both run alike, each from its own jar, routes and configuration, each with the bare endpoint"
                + " and its load, the order of the two builds alternating round by round") + ". The journal may hold"
                + " a few more events than wrk counted: requests in flight when wrk stops are handled but not"
                + " counted.");
    }

    private String wrk(Path script, String url, String run) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c16", "-d" + seconds + "s", "--latency"));
        if (script != null) {
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(url);
        command.add("--");
        command.add(run);
        String output = Timed.run(command, work).output();
        if (!output.contains("Requests/sec")) {
            throw new IllegalStateException("wrk gave no figures:\n" + output);
        }
        return output;
    }

    private static long count(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    private static double requestsPerSecond(String output) {
        Matcher matcher = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(output);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    private static double latencyMs(String output, String percentile) {
        Matcher matcher = Pattern.compile("\\s" + Pattern.quote(percentile) + "\\s+([\\d.]+)(us|ms|s)").matcher(output);
        if (!matcher.find()) {
            return Double.NaN;
        }
        double value = Double.parseDouble(matcher.group(1));
        return switch (matcher.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    /** Webhook events of the training in the journal: all of them, and how many distinct ones. */
    private static long[] journalledEvents(Path journal, String trainingId) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + journal, "sa", "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT e.detail) FROM job_events e"
                     + " JOIN jobs j ON j.id = e.job_id WHERE j.training_id = '" + trainingId + "'"
                     + " AND e.source = 'webhook' AND e.detail LIKE 'bench %'")) {
            rs.next();
            return new long[]{rs.getLong(1), rs.getLong(2)};
        }
    }
}
