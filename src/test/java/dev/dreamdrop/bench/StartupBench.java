package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Figure 4: from the java command to health UP, and the resident memory once idle. */
final class StartupBench {

    private final Path work;
    private final int rounds;
    private final Duration idle;
    private final Report report;

    StartupBench(Path work, int rounds, Duration idle, Report report) {
        this.work = work;
        this.rounds = rounds;
        this.idle = idle;
        this.report = report;
    }

    void run() throws Exception {
        List<Double> ready = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO)) {
            for (int round = 0; round < rounds; round++) {
                Path data = work.resolve("startup-" + round);
                LocalFiles.deleteTree(data);
                try (DreamDropProcess dreamDrop = DreamDropProcess.start(data, sandbox, null, Map.of())) {
                    ready.add(dreamDrop.awaitReady(Duration.ofSeconds(60)));
                    Thread.sleep(idle.toMillis());
                    rss.add(dreamDrop.rssMb("VmRSS"));
                }
            }
        }
        report.add("start-up: java command to health UP", Stats.spread(ready, "%.2f s"), "-", "-", "under 3 s",
                Stats.median(ready) < 3);
        report.add("idle RSS, " + idle.toSeconds() + " s after start-up", Stats.spread(rss, "%.0f MB"), "-", "-",
                "under 250 MB", Stats.median(rss) < 250);
        report.note("Start-up: a new JVM each round with the JVM's default heap settings (no -Xmx), an empty"
                + " journal, the shipped settings; ready = /observe/health answers UP (journal, inbox, training"
                + " API and Camel's checks).");
    }
}
