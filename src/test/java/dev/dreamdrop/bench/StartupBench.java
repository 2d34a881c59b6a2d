package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Figure 4: from the java command to health UP, and the resident memory once idle, side by side with a bare Camel
 * Main from the same jar (platform-http with one route, the management server with health checks): DreamDrop as
 * {@code java -jar target/dreamdrop.jar}, and as the README starts it, {@code bin/dreamdrop}, which keeps an
 * AppCDS archive. The tests' smoke run, before {@code package}, starts DreamDrop from the class path instead, alone.
 */
final class StartupBench {

    private static final Path JAR = Path.of("target", "dreamdrop.jar");
    private static final Path LAUNCHER = Path.of("bin", "dreamdrop");
    private static final Path LAUNCHER_ARCHIVE = Path.of("target", "dreamdrop.jsa");
    private static final String BARE = "bare Camel Main";
    private static final String AS_SHIPPED = "java -jar";
    private static final String LAUNCHED = "bin/dreamdrop (the README's command)";

    private final Path work;
    private final boolean fromJar;
    private final int rounds;
    private final Duration idle;
    private final Report report;
    /** Another build's project folder (bench/run --before REV), measured as it was run then; or null. */
    private final Path before;
    private final String beforeVariant;

    StartupBench(Path work, boolean fromJar, int rounds, Duration idle, Report report, Path before) {
        this.work = work;
        this.fromJar = fromJar;
        this.rounds = rounds;
        this.idle = idle;
        this.report = report;
        this.before = before;
        this.beforeVariant = before == null ? null : "java -jar, build of " + before.getFileName();
    }

    void run() throws Exception {
        Map<String, List<Double>> ready = new LinkedHashMap<>();
        Map<String, List<Double>> rss = new LinkedHashMap<>();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO)) {
            if (fromJar) {
                makeLaunchersArchive(sandbox);
            }
            for (int round = 0; round < rounds; round++) {
                List<String> variants = new ArrayList<>(fromJar ? List.of(BARE, AS_SHIPPED, LAUNCHED) : List.of(AS_SHIPPED));
                if (fromJar && before != null) {
                    variants.add(beforeVariant);
                }
                Collections.rotate(variants, round);
                for (String variant : variants) {
                    Path data = work.resolve("startup-" + round + "-" + variant.replaceAll("\\W+", "-"));
                    LocalFiles.deleteTree(data);
                    try (DreamDropProcess process = start(variant, data, sandbox)) {
                        ready.computeIfAbsent(variant, v -> new ArrayList<>()).add(process.awaitReady(Duration.ofSeconds(60)));
                        Thread.sleep(idle.toMillis());
                        rss.computeIfAbsent(variant, v -> new ArrayList<>()).add(process.rssMb("VmRSS"));
                    }
                }
            }
        }
        List<String> measured = new ArrayList<>(List.of(AS_SHIPPED, LAUNCHED));
        if (before != null) {
            measured.add(0, beforeVariant);
        }
        for (String variant : measured) {
            if (!ready.containsKey(variant)) {
                continue;
            }
            String figure = "start-up, " + variant + ": to health UP";
            String time = Stats.spread(ready.get(variant), "%.2f s");
            if (ready.containsKey(BARE)) {
                double ratio = Stats.median(ready.get(variant)) / Stats.median(ready.get(BARE));
                report.add(figure, time, BARE + " " + Stats.spread(ready.get(BARE), "%.2f s"),
                        String.format("%.2fx", ratio), "at most 1.3x the bare Camel Main", ratio <= 1.3);
            } else {
                report.add(figure, time, "-", "-", "at most 1.3x the bare Camel Main (not measured here)");
            }
            report.add("idle RSS, " + variant + ", " + idle.toSeconds() + " s after start-up",
                    Stats.spread(rss.get(variant), "%.0f MB"), ready.containsKey(BARE)
                            ? BARE + " " + Stats.spread(rss.get(BARE), "%.0f MB") : "-", "-", "under 250 MB",
                    Stats.median(rss.get(variant)) < 250);
        }
        report.note("Start-up: a new JVM each round with the JVM's default heap settings (no -Xmx), an empty"
                + " journal, the shipped settings; ready = /observe/health answers UP (for DreamDrop: journal, inbox,"
                + " training API and Camel's checks). " + (fromJar ? "The bare Camel Main is org.apache.camel.main.Main"
                + " from the same jar with bench/bare-endpoint.camel.yaml on platform-http and the management server's"
                + " health checks. bin/dreamdrop's AppCDS archive is made as the launcher makes it, by its first run"
                + " after the build (started, idle, stopped with SIGTERM), and it runs with the launcher's JVM"
                + " settings; the variants alternate, their order rotated every round." + (before == null ? ""
                : " The build of " + before.getFileName() + " is measured as its README ran it then (java -jar, from"
                + " its own folder with its routes and settings), in the same rounds.")
                : "Started from the class path (no jar yet): the bare Camel Main and bin/dreamdrop need the jar and"
                + " were not measured."));
    }

    /** The launcher's first run after a build writes its archive when it stops. */
    private void makeLaunchersArchive(TrainingApiSandbox sandbox) throws Exception {
        Files.deleteIfExists(LAUNCHER_ARCHIVE);
        Path data = work.resolve("startup-archive");
        LocalFiles.deleteTree(data);
        try (DreamDropProcess dreamDrop = DreamDropProcess.startLauncher(LAUNCHER, data, sandbox)) {
            dreamDrop.awaitReady(Duration.ofSeconds(60));
            Thread.sleep(idle.toMillis());
        }
        if (!Files.exists(LAUNCHER_ARCHIVE)) {
            throw new IllegalStateException("bin/dreamdrop wrote no AppCDS archive; see " + data.resolve("dreamdrop.log"));
        }
    }

    private DreamDropProcess start(String variant, Path data, TrainingApiSandbox sandbox) throws Exception {
        if (!fromJar) {
            return DreamDropProcess.start(data, sandbox, null, Map.of());
        }
        if (variant.equals(beforeVariant)) {
            return DreamDropProcess.startBuild(before, data, sandbox, null, Map.of());
        }
        return switch (variant) {
            case BARE -> DreamDropProcess.startBareCamelMain(JAR, data);
            case LAUNCHED -> DreamDropProcess.startLauncher(LAUNCHER, data, sandbox);
            default -> DreamDropProcess.startJar(JAR, data, sandbox, List.of());
        };
    }
}
