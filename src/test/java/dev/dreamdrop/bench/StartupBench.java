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
 * Figure 4: from the java command to health UP, and the resident memory once idle; as shipped
 * ({@code java -jar target/dreamdrop.jar}) and with an AppCDS archive of the classes a start loads (the README's
 * recipe). The tests' smoke run, before {@code package}, starts DreamDrop from the class path instead, as shipped
 * only.
 */
final class StartupBench {

    private static final Path JAR = Path.of("target", "dreamdrop.jar");
    private static final String AS_SHIPPED = "as shipped";
    private static final String WITH_APP_CDS = "with an AppCDS archive";

    private final Path work;
    private final boolean fromJar;
    private final int rounds;
    private final Duration idle;
    private final Report report;

    StartupBench(Path work, boolean fromJar, int rounds, Duration idle, Report report) {
        this.work = work;
        this.fromJar = fromJar;
        this.rounds = rounds;
        this.idle = idle;
        this.report = report;
    }

    void run() throws Exception {
        Path archive = work.resolve("dreamdrop.jsa");
        Map<String, List<Double>> ready = new LinkedHashMap<>();
        Map<String, List<Double>> rss = new LinkedHashMap<>();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO)) {
            if (fromJar) {
                makeArchive(sandbox, archive);
            }
            for (int round = 0; round < rounds; round++) {
                List<String> variants = new ArrayList<>(fromJar ? List.of(AS_SHIPPED, WITH_APP_CDS) : List.of(AS_SHIPPED));
                if (round % 2 == 1) {
                    Collections.reverse(variants);
                }
                for (String variant : variants) {
                    Path data = work.resolve("startup-" + round + "-" + variant.replace(' ', '-'));
                    LocalFiles.deleteTree(data);
                    try (DreamDropProcess dreamDrop = start(variant, archive, data, sandbox)) {
                        ready.computeIfAbsent(variant, v -> new ArrayList<>())
                                .add(dreamDrop.awaitReady(Duration.ofSeconds(60)));
                        Thread.sleep(idle.toMillis());
                        rss.computeIfAbsent(variant, v -> new ArrayList<>()).add(dreamDrop.rssMb("VmRSS"));
                    }
                }
            }
        }
        String command = fromJar ? "java -jar" : "java -cp";
        ready.forEach((variant, seconds) -> report.add("start-up, " + variant + ": " + command + " to health UP",
                Stats.spread(seconds, "%.2f s"), "-", ratioToShipped(ready, variant), "under 3 s",
                Stats.median(seconds) < 3));
        rss.forEach((variant, megabytes) -> report.add("idle RSS, " + variant + " (" + command + "), "
                        + idle.toSeconds() + " s after start-up", Stats.spread(megabytes, "%.0f MB"), "-",
                ratioToShipped(rss, variant), "under 250 MB", Stats.median(megabytes) < 250));
        report.note("Start-up: a new JVM each round with the JVM's default heap settings (no -Xmx), an empty"
                + " journal, the shipped settings; ready = /observe/health answers UP (journal, inbox, training"
                + " API and Camel's checks). " + (fromJar ? "The AppCDS archive is made once by a run with"
                + " -XX:ArchiveClassesAtExit (start, idle, stopped with SIGTERM), then used with"
                + " -XX:SharedArchiveFile; the two variants alternate, order swapped every round."
                : "Started from the class path (no jar yet): the AppCDS variant needs the jar and was not measured."));
    }

    private void makeArchive(TrainingApiSandbox sandbox, Path archive) throws Exception {
        Files.deleteIfExists(archive);
        Path data = work.resolve("startup-archive");
        LocalFiles.deleteTree(data);
        try (DreamDropProcess dreamDrop = DreamDropProcess.startJar(JAR, data, sandbox,
                List.of("-XX:ArchiveClassesAtExit=" + archive))) {
            dreamDrop.awaitReady(Duration.ofSeconds(60));
            Thread.sleep(idle.toMillis());
        }
        if (!Files.exists(archive)) {
            throw new IllegalStateException("no AppCDS archive was written; see " + data.resolve("dreamdrop.log"));
        }
    }

    private DreamDropProcess start(String variant, Path archive, Path data, TrainingApiSandbox sandbox)
            throws Exception {
        if (!fromJar) {
            return DreamDropProcess.start(data, sandbox, null, Map.of());
        }
        return DreamDropProcess.startJar(JAR, data, sandbox, variant.equals(WITH_APP_CDS)
                ? List.of("-XX:SharedArchiveFile=" + archive) : List.of());
    }

    private static String ratioToShipped(Map<String, List<Double>> figures, String variant) {
        return variant.equals(AS_SHIPPED) ? "-" : String.format("%.2fx", Stats.median(figures.get(variant))
                / Stats.median(figures.get(AS_SHIPPED)));
    }
}
