package dev.dreamdrop.bench;

import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.LocalFiles;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Figure 2: many sets dropped at once, until every one is submitted; then single sets on the idle system, from
 * READY to the API call.
 */
final class IntakeBench {

    private static final String TRAINING = "/api/v3/fine_tune";
    /** What makes a set a person set: its photos are cut around the face, found by the cascade. */
    private static final String PERSON = "training_type: female\n";

    private final Path work;
    private final int rounds;
    private final int sets;
    private final int singleDrops;
    private final Report report;
    /** Another build's project folder (bench/run --before REV), given the same single drops; or null. */
    private final Path before;

    IntakeBench(Path work, int rounds, int sets, int singleDrops, Report report, Path before) {
        this.work = work;
        this.rounds = rounds;
        this.sets = sets;
        this.singleDrops = singleDrops;
        this.report = report;
        this.before = before;
    }

    /**
     * @param photos       the sets of many drops, and the single drops of sets without faces (training_type null)
     * @param personPhotos the single drops of person sets, photos with a face (cut around it)
     */
    void run(List<Path> photos, List<Path> personPhotos) throws Exception {
        List<Double> seconds = new ArrayList<>();
        List<Double> heap = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> latencies = new ArrayList<>();
        List<Double> latenciesBefore = new ArrayList<>();
        List<Double> personLatencies = new ArrayList<>();
        List<Double> personLatenciesBefore = new ArrayList<>();
        List<Double> journalBytes = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Path data = work.resolve("intake-" + round);
            LocalFiles.deleteTree(data);
            try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
                 DreamDropProcess dreamDrop = DreamDropProcess.start(data, sandbox, "512m", Map.of())) {
                dreamDrop.awaitReady(Duration.ofSeconds(60));
                Path staging = Files.createDirectories(data.resolve("staging"));
                List<Path> ready = new ArrayList<>();
                for (int i = 1; i <= sets; i++) {
                    ready.add(stage(staging, String.format("set-%04d", i), photos, ""));
                }
                Instant dropped = Instant.now();
                for (Path set : ready) {
                    Files.move(set, dreamDrop.inbox().resolve(set.getFileName()));
                }
                List<RecordedRequest> submitted = awaitRequests(sandbox, sets, Duration.ofMinutes(30));
                Instant last = submitted.stream().map(RecordedRequest::at).max(Instant::compareTo).orElseThrow();
                seconds.add(Duration.between(dropped, last).toMillis() / 1000.0);
                checkEachSetOnce(submitted, "set-", sets);
                report.expect("intake round " + (round + 1) + ": trainings started in the sandbox", sets,
                        sandbox.trainingIds().size());
                heap.add(dreamDrop.peakHeapMb());
                rss.add(dreamDrop.rssMb("VmHWM"));
                awaitQuiet(sandbox);
                latencies.addAll(readyToApiCall(dreamDrop, sandbox, staging, photos, sets, "single-", ""));
                personLatencies.addAll(readyToApiCall(dreamDrop, sandbox, staging, personPhotos, sets + singleDrops,
                        "person-", PERSON));
                checkFacesFound(data.resolve("results"));
                journalBytes.add(Files.size(data.resolve("journal.mv.db")) / (sets + 2.0 * singleDrops));
            }
            if (before != null) {
                Path beforeData = work.resolve("intake-before-" + round);
                LocalFiles.deleteTree(beforeData);
                try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                        Duration.ZERO);
                     DreamDropProcess dreamDrop = DreamDropProcess.startBuild(before, beforeData, sandbox, "512m",
                             Map.of())) {
                    dreamDrop.awaitReady(Duration.ofSeconds(60));
                    Path staging = Files.createDirectories(beforeData.resolve("staging"));
                    latenciesBefore.addAll(readyToApiCall(dreamDrop, sandbox, staging, photos, 0, "single-", ""));
                    personLatenciesBefore.addAll(readyToApiCall(dreamDrop, sandbox, staging, personPhotos,
                            singleDrops, "person-", PERSON));
                }
            }
        }
        String label = sets + " sets x " + photos.size() + " photos dropped at once";
        report.add(label + ": until all submitted", Stats.spread(seconds, "%.1f s"), "-", "-", "all, zero failures",
                report.failures().isEmpty());
        report.add(label + ": sets per second", Stats.spread(seconds.stream().map(s -> sets / s).toList(), "%.1f"),
                "-", "-", "");
        report.add(label + ": peak heap (-Xmx512m)", Stats.spread(heap, "%.0f MB"), "-", "-", "under 512 MB",
                Stats.median(heap) < 512);
        report.add(label + ": peak RSS", Stats.spread(rss, "%.0f MB"), "-", "-", "");
        report.add("the journal's H2 file after " + (sets + 2 * singleDrops) + " sets, each to model_ready (statuses,"
                + " outbox, thumbnails, contact sheet): bytes per set", Stats.spread(journalBytes.stream()
                .map(bytes -> bytes / 1024).toList(), "%.0f KB"), "-", "-", "");
        readyRow("a person set of " + personPhotos.size() + " phone photos (12 MP) with a face, on an idle system,"
                + " READY to API call", personLatencies, personLatenciesBefore, 500);
        readyRow("a set without faces (training_type null, " + Math.min(photos.size(), 8) + " photos of 2 MP), on an"
                + " idle system, READY to API call", latencies, latenciesBefore, 300);
        report.note("Intake: DreamDrop in its own JVM (-Xmx512m, shipped settings: the inbox scanned on file system"
                + " events, and every 2 s as the backstop), the"
                + " sandbox in the harness's JVM with an immediate clock (every training runs to model_ready at once,"
                + " its webhooks included, while the other sets are still being prepared). Photos: " + photos.size()
                + " per set, hard links to the same files, so the disk cache is warm. 'Until all submitted' runs"
                + " from the moment the sets are moved into the inbox to the last training request the sandbox"
                + " received. Peak heap: the largest heap in use before a collection (GC log); peak RSS: VmHWM."
                + " READY to API call: from writing READY to the training request at the sandbox, so it includes"
                + " claiming, checking and preparing the set's photos, and the journal's writes." + (before == null ? ""
                : " The build of " + before.getFileName() + " (java -Xmx512m -jar, from its own folder with its routes"
                + " and shipped settings) is given the same single drops in each round, on an idle DreamDrop of its"
                + " own."));
    }

    private void readyRow(String figure, List<Double> latencies, List<Double> latenciesBefore, int targetMs) {
        report.add(figure + ": p50 / p95 (" + latencies.size() + " drops)",
                String.format("%.0f ms / %.0f ms", Stats.percentile(latencies, 50), Stats.percentile(latencies, 95)),
                before == null ? "-" : String.format("build of %s: %.0f ms / %.0f ms", before.getFileName(),
                        Stats.percentile(latenciesBefore, 50), Stats.percentile(latenciesBefore, 95)),
                before == null ? "-" : ImageBench.ratio(Stats.percentile(latencies, 50),
                        Stats.percentile(latenciesBefore, 50)),
                "p50 under " + targetMs + " ms", Stats.percentile(latencies, 50) < targetMs);
    }

    /** Sets dropped one at a time on an idle DreamDrop: from writing READY to the training request, in ms. */
    private List<Double> readyToApiCall(DreamDropProcess dreamDrop, TrainingApiSandbox sandbox, Path staging,
                                        List<Path> photos, int earlierRequests, String prefix, String manifest)
            throws Exception {
        List<Double> latencies = new ArrayList<>();
        for (int i = 1; i <= singleDrops; i++) {
            String name = String.format(prefix + "%02d", i);
            Path set = stage(staging, name, photos.subList(0, Math.min(photos.size(), 8)), manifest);
            Files.delete(set.resolve("READY"));
            Files.move(set, dreamDrop.inbox().resolve(name));
            Instant readyAt = Instant.now();
            Files.writeString(dreamDrop.inbox().resolve(name).resolve("READY"), "");
            List<RecordedRequest> calls = awaitRequests(sandbox, earlierRequests + i, Duration.ofMinutes(1));
            RecordedRequest call = calls.stream().filter(r -> r.body().contains(name)).findFirst().orElseThrow();
            latencies.add(Duration.between(readyAt, call.at()).toMillis() / 1.0);
            // the training runs to its end at once: its statuses, results and sample images are handled before the
            // next set is dropped, so that each set meets an idle system
            awaitQuiet(sandbox);
        }
        checkEachSetOnce(sandbox.requests(TRAINING), prefix, singleDrops);
        return latencies;
    }

    /**
     * Every photo of the person sets was cut around its face (no "no face found" in their status.json): a person set
     * measured on centre crops would leave face detection, most of its cost, out of the figure.
     */
    private void checkFacesFound(Path results) throws Exception {
        int withoutFace = 0;
        for (int i = 1; i <= singleDrops; i++) {
            Path status = results.resolve(String.format("person-%02d", i)).resolve("status.json");
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.exists(status) && Files.readString(status).contains("model_ready"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            withoutFace += Files.readString(status).split("no face found", -1).length - 1;
        }
        report.expect("photos of the person sets cut at the centre, no face found", 0, withoutFace);
    }

    /** A set folder with hard links to the photos, a manifest and READY. */
    static Path stage(Path staging, String name, List<Path> photos, String manifest) throws Exception {
        Path set = Files.createDirectories(staging.resolve(name));
        for (int i = 0; i < photos.size(); i++) {
            Path photo = photos.get(i);
            String extension = photo.getFileName().toString().replaceFirst(".*\\.", "");
            Files.createLink(set.resolve(String.format("photo-%02d.%s", i + 1, extension)), photo);
        }
        Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of " + name + " person\n" + manifest);
        Files.writeString(set.resolve("READY"), "");
        return set;
    }

    static List<RecordedRequest> awaitRequests(TrainingApiSandbox sandbox, int count, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (sandbox.requests(TRAINING).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + sandbox.requests(TRAINING).size() + " of " + count
                        + " sets were submitted in " + timeout);
            }
            Thread.sleep(20);
        }
        return sandbox.requests(TRAINING);
    }

    /** Every set submitted exactly once: its name is in exactly one request's instance prompt. */
    private void checkEachSetOnce(List<RecordedRequest> requests, String prefix, int count) {
        for (int i = 1; i <= count; i++) {
            String prompt = "photo of " + String.format(prefix.equals("set-") ? "set-%04d" : prefix + "%02d", i)
                    + " person";
            long times = requests.stream().filter(r -> r.body().contains("\"" + prompt + "\"")).count();
            report.expect("training requests for '" + prompt + "'", 1, times);
        }
    }

    /** Waits until no training is running any more, so that the single drops meet an idle system. */
    static void awaitQuiet(TrainingApiSandbox sandbox) throws InterruptedException {
        int seen = -1;
        while (seen != sandbox.requests().size()) {
            seen = sandbox.requests().size();
            Thread.sleep(1500);
        }
    }
}
