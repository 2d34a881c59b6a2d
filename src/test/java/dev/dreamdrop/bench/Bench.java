package dev.dreamdrop.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The benchmark harness: image preparation against vipsthumbnail and ImageMagick, intake to submission, webhooks
 * against a bare endpoint, start-up. Writes a results table and exits non-zero when a run lost or doubled
 * anything. {@code bench/run} installs the tools and runs it; {@code --smoke} is the small run the tests make.
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args).failures().isEmpty() ? 0 : 1);
    }

    static Report run(String... args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean smoke = options.contains("--smoke");
        Path work = Path.of(option(options, "--work", smoke ? "target/bench-smoke" : "bench/work")).toAbsolutePath();
        Path out = Path.of(option(options, "--out", smoke ? work.resolve("RESULTS.md").toString() : "bench/RESULTS.md"));
        Path photoSource = Path.of(option(options, "--photos", "bench/work/photo-sources")).toAbsolutePath();
        String sourceNote = "real photographs from Debian's python3-skimage package, skimage/data: astronaut.png"
                + " (NASA, public domain), chelsea.png (Stefan van der Walt, CC0), coffee.png (Rachel Michetti, CC0),"
                + " motorcycle_left.png (Middlebury 2014 stereo data set), rocket.jpg (SpaceX, public domain);"
                + " 400 to 740 pixels wide, so upscaled to the size measured, with grain added";
        if (!Files.isDirectory(photoSource)) {
            photoSource = Path.of("samples/alex").toAbsolutePath();
            sourceNote = "the repository's sample set samples/alex (framings of skimage's astronaut.png, NASA,"
                    + " public domain: one face, at most 1024 pixels wide)";
        }
        Files.createDirectories(work);
        List<Path> sources = sources(photoSource, smoke ? 1 : 5);
        Report report = new Report();
        System.out.println("figure / DreamDrop / reference / ratio / target");

        // the smoke run leaves out the scale figures: minutes of waiting sets and journals, nothing the others lack
        List<String> only = Arrays.asList(option(options, "--only", "images,faces,intake,webhooks,start-up"
                + (smoke ? "" : ",scale")).split(","));
        if (only.contains("images")) {
            ImageBench images = new ImageBench(work, smoke ? 1 : 3, smoke ? 1000 : 4000, smoke ? 750 : 3000, report);
            images.run(images.makePhotos(sources), sourceNote);
        }
        // a person set as phones take them: the shipped sample's framings of a real face, at 12 MP, upright as a
        // portrait is (a landscape cut of these framings would leave the face out)
        ImageBench phonePhotos = new ImageBench(work, 0, smoke ? 1200 : 3000, smoke ? 1600 : 4000, report);
        List<Path> faces = phonePhotos.makePhotos(sources(Path.of("samples/alex").toAbsolutePath(), smoke ? 2 : 8))
                .stream().filter(photo -> photo.toString().endsWith("-baseline.jpg")).toList();
        if (only.contains("faces") && Files.exists(photoSource.resolve("astronaut.png"))) {
            new FaceCropBench(work, report).run(photoSource);
            phonePhotos.faceAwarePerPhoto(faces, smoke ? 1 : 5);
            phonePhotos.heicPerPhoto(faces.subList(0, Math.min(faces.size(), 4)), smoke ? 1 : 3);
        }
        ImageBench setPhotos = new ImageBench(work, 0, smoke ? 800 : 1600, smoke ? 600 : 1200, report);
        List<Path> jpegs = setPhotos.makePhotos(sources).stream()
                .filter(photo -> photo.toString().endsWith(".jpg")).limit(smoke ? 2 : 8).toList();
        // --before REV (bench/run builds it): start-up and a set's READY to API call also of that build
        Path beforeTree = folderOption(options, "--before");
        if (only.contains("intake")) {
            new IntakeBench(work, smoke ? 1 : 2, smoke ? 5 : 500, smoke ? 1 : 10, report, beforeTree).run(jpegs,
                    faces);
        }
        if (only.contains("journal")) {
            new JournalBench(work, smoke ? 2 : 10, smoke ? 3 : 500, report).run(jpegs);
        }
        if (only.contains("scale")) {
            new ScaleBench(work, Duration.ofSeconds(smoke ? 6 : 30), smoke ? new int[] {0, 20} : new int[] {0, 100, 1000},
                    smoke ? 50 : 5000, report, beforeTree).run();
        }
        if (only.contains("webhooks")) {
            new WebhookBench(work, smoke ? 1 : 3, smoke ? 1 : 10, report, folderOption(options, "--webhooks-before"))
                    .run(jpegs);
        }
        if (only.contains("start-up")) {
            new StartupBench(work, !smoke, smoke ? 1 : 3, Duration.ofSeconds(smoke ? 1 : 10), report, beforeTree).run();
        }

        String markdown = report.markdown(smoke ? "DreamDrop benchmark (smoke run: small sizes, figures not"
                + " meaningful)" : "DreamDrop benchmark results", machine(), LocalDate.now().toString(),
                smoke ? "Bench --smoke" : "bench/run");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown);
        System.out.println();
        System.out.println(markdown);
        System.out.println(report.failures().isEmpty() ? "Written to " + out
                : "FAILED: " + report.failures().size() + " check(s), see " + out);
        return report;
    }

    private static String option(List<String> options, String name, String fallback) {
        int at = options.indexOf(name);
        return at >= 0 && at + 1 < options.size() ? options.get(at + 1) : fallback;
    }

    /** The folder an option names (bench/run puts an earlier build's tree there), or null without the option. */
    private static Path folderOption(List<String> options, String name) {
        String folder = option(options, name, null);
        return folder == null ? null : Path.of(folder).toAbsolutePath();
    }

    private static List<Path> sources(Path dir, int count) throws Exception {
        List<String> preferred = List.of("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
                "rocket.jpg");
        List<Path> found = new ArrayList<>();
        for (String name : preferred) {
            if (Files.exists(dir.resolve(name))) {
                found.add(dir.resolve(name));
            }
        }
        if (found.isEmpty()) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(file -> file.toString().matches(".*\\.(jpg|png)$")).sorted().forEach(found::add);
            }
        }
        return found.subList(0, Math.min(count, found.size()));
    }

    private static String machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name")).findFirst()
                .map(line -> line.replaceFirst(".*:\\s*", "")).orElse("unknown CPU");
        long memoryKb = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal")).findFirst()
                .map(line -> Long.parseLong(line.replaceAll("\\D", ""))).orElse(0L);
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
                + Math.round(memoryKb / 1024.0 / 1024.0) + " GiB, Java " + System.getProperty("java.version");
    }
}
