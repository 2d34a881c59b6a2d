package dev.dreamdrop.testing;

import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.sandbox.TrainingApiSandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** DreamDrop in a JVM of its own, as it runs in production, talking to a sandbox in the harness's JVM. */
public final class DreamDropProcess implements AutoCloseable {

    private static final Pattern GC_PAUSE = Pattern.compile("Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private final Process process;
    private final Path data;
    private final Path gcLog;
    private final String publicUrl;
    private final String managementUrl;
    private final long startedNanos;

    private DreamDropProcess(Process process, Path data, Path gcLog, String publicUrl, String managementUrl,
                             long startedNanos) {
        this.process = process;
        this.data = data;
        this.gcLog = gcLog;
        this.publicUrl = publicUrl;
        this.managementUrl = managementUrl;
        this.startedNanos = startedNanos;
    }

    public static DreamDropProcess start(Path data, TrainingApiSandbox sandbox, String maxHeap, Map<String, String> overrides)
            throws IOException {
        return launch(Path.of(System.getProperty("user.dir")), data, sandbox,
                maxHeap == null ? List.of() : List.of("-Xmx" + maxHeap),
                List.of("-cp", System.getProperty("java.class.path"), DreamDrop.class.getName()), overrides);
    }

    /**
     * Another build of DreamDrop, {@code java [-Xmx<maxHeap>] -jar target/dreamdrop.jar} run from its own project
     * folder {@code tree} (its routes and configuration), with the test settings: for side-by-side benchmarks.
     */
    public static DreamDropProcess startBuild(Path tree, Path data, TrainingApiSandbox sandbox, String maxHeap,
                                              Map<String, String> overrides) throws IOException {
        return launch(tree, data, sandbox, maxHeap == null ? List.of() : List.of("-Xmx" + maxHeap),
                List.of("-jar", tree.resolve("target/dreamdrop.jar").toString()), overrides);
    }

    /** DreamDrop as shipped, {@code java [jvmOptions] -jar dreamdrop.jar}, with the shipped settings. */
    public static DreamDropProcess startJar(Path jar, Path data, TrainingApiSandbox sandbox, List<String> jvmOptions)
            throws IOException {
        return launch(Path.of(System.getProperty("user.dir")), data, sandbox, jvmOptions,
                List.of("-jar", jar.toString()), Map.of());
    }

    /**
     * DreamDrop as the README starts it, {@code bin/dreamdrop} (its AppCDS archive included), with the shipped
     * settings; the test settings and JVM options go in {@code JAVA_OPTS}, as a user's would.
     */
    public static DreamDropProcess startLauncher(Path launcher, Path data, TrainingApiSandbox sandbox)
            throws IOException {
        Settings settings = shippedSettings(data, sandbox, Map.of());
        List<String> jvm = jvmOptions(data, List.of(), settings.values());
        ProcessBuilder builder = new ProcessBuilder(launcher.toString());
        builder.environment().put("JAVA_OPTS", String.join(" ", jvm));
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
                + System.getenv("PATH"));
        return start(builder, Path.of(System.getProperty("user.dir")), data, settings);
    }

    /**
     * A bare Camel Main from the same jar, with what DreamDrop's start-up is compared against: the HTTP server
     * with one route (bench/bare-endpoint.camel.yaml) and the management server with health checks, nothing else.
     */
    public static DreamDropProcess startBareCamelMain(Path jar, Path data) throws IOException {
        Files.createDirectories(data);
        int port = RunningDreamDrop.freePort();
        Map<String, String> camel = new LinkedHashMap<>();
        camel.put("camel.main.name", "bare");
        camel.put("camel.main.routes-include-pattern", "file:bench/bare-endpoint.camel.yaml");
        camel.put("camel.main.base-package-scan-enabled", "false");
        camel.put("camel.server.enabled", "true");
        camel.put("camel.server.host", "127.0.0.1");
        camel.put("camel.server.port", String.valueOf(port));
        camel.put("camel.management.enabled", "true");
        camel.put("camel.management.host", "127.0.0.1");
        camel.put("camel.management.port", String.valueOf(RunningDreamDrop.freePort()));
        camel.put("camel.management.health-check-enabled", "true");
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions(data, List.of(), camel));
        command.addAll(List.of("-cp", jar.toString(), "org.apache.camel.main.Main"));
        return start(new ProcessBuilder(command), Path.of(System.getProperty("user.dir")), data,
                new Settings(port, camel));
    }

    private static DreamDropProcess launch(Path workingDirectory, Path data, TrainingApiSandbox sandbox,
                                           List<String> jvmOptions, List<String> program,
                                           Map<String, String> overrides) throws IOException {
        Settings settings = shippedSettings(data, sandbox, overrides);
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions(data, jvmOptions, settings.values()));
        command.addAll(program);
        return start(new ProcessBuilder(command), workingDirectory, data, settings);
    }

    private record Settings(int port, Map<String, String> values) {
    }

    private static Settings shippedSettings(Path data, TrainingApiSandbox sandbox, Map<String, String> overrides)
            throws IOException {
        Files.createDirectories(data);
        int port = RunningDreamDrop.freePort();
        Map<String, String> settings = new LinkedHashMap<>(RunningDreamDrop.settings(data, port, sandbox));
        // the shipped defaults, not the test suite's fast clocks
        settings.remove("dreamdrop.inbox.poll-interval");
        settings.remove("dreamdrop.inbox.quiet-period");
        settings.remove("dreamdrop.mail.poll-interval");
        settings.remove("dreamdrop.outbox.poll-interval");
        settings.putAll(overrides);
        return new Settings(port, settings);
    }

    private static List<String> jvmOptions(Path data, List<String> options, Map<String, String> settings) {
        List<String> jvm = new ArrayList<>(List.of("-Xlog:gc:file=" + data.resolve("gc.log")));
        jvm.addAll(options);
        settings.forEach((key, value) -> jvm.add("-D" + key + "=" + value));
        return jvm;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static DreamDropProcess start(ProcessBuilder builder, Path workingDirectory, Path data, Settings settings)
            throws IOException {
        long started = System.nanoTime();
        Process process = builder.directory(workingDirectory.toFile()).redirectErrorStream(true)
                .redirectOutput(data.resolve("dreamdrop.log").toFile()).start();
        return new DreamDropProcess(process, data, data.resolve("gc.log"), "http://127.0.0.1:" + settings.port(),
                "http://127.0.0.1:" + settings.values().get("camel.management.port"), started);
    }

    /** Seconds from the process start until the health endpoint answers UP. */
    public double awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("DreamDrop exited at start-up; see " + data.resolve("dreamdrop.log"));
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(managementUrl
                        + "/observe/health")).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
                    return (System.nanoTime() - startedNanos) / 1e9;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("DreamDrop not ready after " + timeout + "; see " + data.resolve("dreamdrop.log"));
    }

    public Path inbox() {
        return data.resolve("inbox");
    }

    public String publicUrl() {
        return publicUrl;
    }

    /** Where the operator API and health checks answer. */
    public String managementUrl() {
        return managementUrl;
    }

    /** Resident memory now (VmRSS) and at its peak so far (VmHWM), in MB. */
    public double rssMb(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        throw new IllegalStateException(field + " not in /proc/" + process.pid() + "/status");
    }

    /** CPU time the process has used so far (user and system), in seconds. */
    public double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux)
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    /** The largest heap in use before any collection, from the GC log: the peak heap, in MB. */
    public double peakHeapMb() throws IOException {
        double peak = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher pause = GC_PAUSE.matcher(line);
            if (pause.find()) {
                peak = Math.max(peak, Double.parseDouble(pause.group(1)));
            }
        }
        return peak;
    }

    /** Kills the process as a crash would: no shutdown, no goodbye to the journal. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
