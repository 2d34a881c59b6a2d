package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The journal's H2 file as real sets go through it: {@code batches} drops of {@code perBatch} sets of 8 photos, each
 * set run to model_ready by the sandbox (its statuses, outbox rows routed, thumbnails, contact sheet, sample images),
 * the file's size read after each batch has been handled, while DreamDrop runs.
 */
final class JournalBench {

    private final Path work;
    private final int batches;
    private final int perBatch;
    private final Report report;

    JournalBench(Path work, int batches, int perBatch, Report report) {
        this.work = work;
        this.batches = batches;
        this.perBatch = perBatch;
        this.report = report;
    }

    void run(List<Path> photos) throws Exception {
        Path data = work.resolve("journal");
        LocalFiles.deleteTree(data);
        List<Long> sizes = new ArrayList<>();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
             DreamDropProcess dreamDrop = DreamDropProcess.start(data, sandbox, "512m", Map.of())) {
            dreamDrop.awaitReady(Duration.ofSeconds(60));
            Path staging = Files.createDirectories(data.resolve("staging"));
            for (int batch = 0; batch < batches; batch++) {
                List<Path> ready = new ArrayList<>();
                for (int i = 1; i <= perBatch; i++) {
                    ready.add(IntakeBench.stage(staging, String.format("set-%05d", batch * perBatch + i), photos, ""));
                }
                for (Path set : ready) {
                    Files.move(set, dreamDrop.inbox().resolve(set.getFileName()));
                }
                IntakeBench.awaitRequests(sandbox, (batch + 1) * perBatch, Duration.ofMinutes(30));
                IntakeBench.awaitQuiet(sandbox);
                sizes.add(Files.size(data.resolve("journal.mv.db")));
                System.out.printf("  %,d sets: journal file %,d bytes%n", (batch + 1) * perBatch, sizes.get(batch));
            }
            report.expect("trainings started for the journal's sets", (long) batches * perBatch,
                    sandbox.trainingIds().size());
        }
        for (int batch : List.of(0, batches - 1)) {
            int sets = (batch + 1) * perBatch;
            report.add(String.format("the journal's H2 file after %,d real sets, each to model_ready: bytes per set",
                    sets), String.format("%.0f KB (%,d MB in all)", sizes.get(batch) / 1024.0 / sets,
                    sizes.get(batch) >> 20), "-", "-", "");
        }
        report.note("Journal: " + batches + " drops of " + perBatch + " sets of 8 photos (training_type null) into one"
                + " DreamDrop (-Xmx512m, shipped settings), each"
                + " drop handled to the end (every training at model_ready, its statuses routed, its samples fetched)"
                + " before the next; the file's size read then, while DreamDrop runs.");
    }
}
