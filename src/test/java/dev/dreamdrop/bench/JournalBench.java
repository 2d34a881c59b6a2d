package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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

    /** Several runs of the journal's upkeep (every minute), each giving back what H2 freed 45 s before. */
    private static final Duration IDLE = Duration.ofMinutes(5);

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
        Path file = data.resolve("journal.mv.db");
        LocalFiles.deleteTree(data);
        List<Long> sizes = new ArrayList<>();
        long idle;
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
                sizes.add(Files.size(file));
                System.out.printf("  %,d sets: journal file %,d bytes%n", (batch + 1) * perBatch, sizes.get(batch));
            }
            report.expect("trainings started for the journal's sets", (long) batches * perBatch,
                    sandbox.trainingIds().size());
            Thread.sleep(IDLE.toMillis());
            idle = Files.size(file);
            System.out.printf("  %d minutes idle: journal file %,d bytes%n", IDLE.toMinutes(), idle);
        }
        long compacted = compactedByH2(file);
        int all = batches * perBatch;
        String reference = "the same journal compacted by H2 (SHUTDOWN COMPACT) once DreamDrop stopped: "
                + perSet(compacted, all);
        String whileRunning = "the journal's H2 file after %,d real sets, each to model_ready, while DreamDrop runs:"
                + " bytes per set";
        report.add(String.format(whileRunning, perBatch), perSet(sizes.get(0), perBatch), "-", "-", "");
        report.add(String.format(whileRunning, all), perSet(sizes.get(batches - 1), all), reference,
                ratio(sizes.get(batches - 1), compacted), "");
        report.add(String.format("the journal's H2 file after %,d real sets and %d minutes idle: bytes per set", all,
                IDLE.toMinutes()), perSet(idle, all), reference, ratio(idle, compacted), "");
        report.note("Journal: " + batches + " drops of " + perBatch + " sets of 8 photos (training_type null) into one"
                + " DreamDrop (-Xmx512m, shipped settings), each drop handled to the end (every training at"
                + " model_ready, its statuses routed, its samples fetched) before the next; the file's size read then,"
                + " while DreamDrop runs, and again after " + IDLE.toMinutes() + " minutes without sets. The reference"
                + " is the data the file holds: the file once DreamDrop stopped, rewritten whole by H2's SHUTDOWN"
                + " COMPACT.");
    }

    private static String perSet(long bytes, int sets) {
        return String.format("%.0f KB (%,d MB in all)", bytes / 1024.0 / sets, bytes >> 20);
    }

    private static String ratio(long bytes, long reference) {
        return String.format("%.2fx", (double) bytes / reference);
    }

    /** The size of the H2 file at {@code file} once H2 has rewritten it whole (a copy of it). */
    private static long compactedByH2(Path file) throws Exception {
        Path copy = file.resolveSibling("compacted.mv.db");
        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
        String url = "jdbc:h2:file:" + copy.toString().replaceFirst("\\.mv\\.db$", "");
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN COMPACT");
        }
        return Files.size(copy);
    }
}
