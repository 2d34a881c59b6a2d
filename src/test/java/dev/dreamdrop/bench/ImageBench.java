package dev.dreamdrop.bench;

import dev.dreamdrop.testing.RequiredTools;
import dev.dreamdrop.storage.LocalFiles;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Figure 1: 512x512 centre crops of the same photos by DreamDrop's preparer, by vipsthumbnail and by ImageMagick,
 * each as one batch per round, in an order that rotates from round to round.
 */
final class ImageBench {

    private static final String MAGICK = Files.isExecutable(Path.of("/usr/bin/convert")) ? "/usr/bin/convert" : "convert";

    private final Path work;
    private final int rounds;
    private final int width;
    private final int height;
    private final Report report;

    ImageBench(Path work, int rounds, int width, int height, Report report) {
        this.work = work;
        this.rounds = rounds;
        this.width = width;
        this.height = height;
        this.report = report;
    }

    /** Baseline and progressive JPEGs, PNGs and WebPs of {@code width x height} made from each source photo. */
    List<Path> makePhotos(List<Path> sources) throws Exception {
        Path dir = work.resolve("photos-" + width + "x" + height);
        Files.createDirectories(dir);
        List<Path> photos = new ArrayList<>();
        for (Path source : sources) {
            String name = source.getFileName().toString().replaceFirst("\\.[a-z]+$", "");
            Path png = dir.resolve(name + ".png");
            // upscaled photos are smoother than real ones and decode faster; fine grain gives them a camera's
            // entropy (file sizes like a phone's) back
            make(png, List.of(MAGICK, source.toString(), "-resize", width + "x" + height + "^", "-gravity", "center",
                    "-extent", width + "x" + height, "-attenuate", "0.3", "+noise", "Gaussian", png.toString()));
            Path baseline = dir.resolve(name + "-baseline.jpg");
            make(baseline, List.of(MAGICK, png.toString(), "-quality", "92", baseline.toString()));
            Path progressive = dir.resolve(name + "-progressive.jpg");
            make(progressive, List.of(MAGICK, png.toString(), "-quality", "92", "-interlace", "JPEG",
                    progressive.toString()));
            Path webp = dir.resolve(name + ".webp");
            make(webp, List.of("cwebp", "-quiet", "-q", "90", png.toString(), "-o", webp.toString()));
            photos.addAll(List.of(baseline, progressive, png, webp));
        }
        return photos;
    }

    private void make(Path target, List<String> command) throws Exception {
        if (!Files.exists(target)) {
            Timed.run(command, work);
        }
    }

    void run(List<Path> photos, String photoSource) throws Exception {
        Map<String, List<Path>> byFormat = new LinkedHashMap<>();
        for (Path photo : photos) {
            String file = photo.getFileName().toString();
            String format = file.endsWith(".png") ? "PNG" : file.endsWith(".webp") ? "WebP"
                    : file.contains("progressive") ? "progressive JPEG" : "baseline JPEG";
            byFormat.computeIfAbsent(format, f -> new ArrayList<>()).add(photo);
        }
        boolean vips = RequiredTools.installed("vipsthumbnail");
        boolean magick = RequiredTools.installed("convert");
        Map<String, List<Timed>> results = new LinkedHashMap<>();
        Map<String, List<Double>> heapFirst = new LinkedHashMap<>();
        Map<String, List<Double>> heapAll = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            List<String> order = new ArrayList<>(List.of("dreamdrop", "vips", "java", "magick"));
            Collections.rotate(order, round);
            for (String tool : order) {
                for (Map.Entry<String, List<Path>> format : byFormat.entrySet()) {
                    Path out = clean(work.resolve("out-" + tool));
                    Timed timed;
                    switch (tool) {
                        case "dreamdrop", "java" -> {
                            Timed process = Timed.run(dreamDropCommand(out, format.getValue(), tool), work);
                            heapFirst.computeIfAbsent(tool + "/" + format.getKey(), f -> new ArrayList<>())
                                    .add(line(process.output(), "heap-kept-first"));
                            heapAll.computeIfAbsent(tool + "/" + format.getKey(), f -> new ArrayList<>())
                                    .add(line(process.output(), "heap-kept-max"));
                            timed = new Timed(line(process.output(), "wall-seconds"),
                                    line(process.output(), "cpu-seconds"), process.maxRssKb(), process.output());
                        }
                        case "vips" -> {
                            if (!vips) {
                                continue;
                            }
                            List<String> command = new ArrayList<>(List.of("vipsthumbnail", "--size", "512x512",
                                    "--smartcrop", "centre", "-o", out + "/%s.jpg[Q=92,strip]"));
                            format.getValue().forEach(photo -> command.add(photo.toString()));
                            timed = Timed.run(command, work);
                        }
                        default -> {
                            if (!magick) {
                                continue;
                            }
                            StringBuilder script = new StringBuilder();
                            for (Path photo : format.getValue()) {
                                script.append(MAGICK).append(" '").append(photo).append("' -auto-orient -resize 512x512^")
                                        .append(" -gravity center -extent 512x512 -strip -quality 92 '")
                                        .append(out.resolve(photo.getFileName() + ".jpg")).append("' && ");
                            }
                            timed = Timed.run(List.of("sh", "-c", script.append("true").toString()), work);
                        }
                    }
                    report.expect(tool + " crops of " + format.getKey(), format.getValue().size(), crops512(out));
                    results.computeIfAbsent(tool + "/" + format.getKey(), k -> new ArrayList<>()).add(timed);
                }
            }
        }
        for (String format : byFormat.keySet()) {
            int count = byFormat.get(format).size();
            List<Timed> ours = results.get("dreamdrop/" + format);
            List<Timed> javaRuns = results.get("java/" + format);
            List<Timed> vipsRuns = results.getOrDefault("vips/" + format, List.of());
            List<Timed> magickRuns = results.getOrDefault("magick/" + format, List.of());
            String label = format + " " + width + "x" + height + ", per photo";
            double wall = Stats.median(perPhoto(ours, count, Timed::wallSeconds));
            double vipsWall = Stats.median(perPhoto(vipsRuns, count, Timed::wallSeconds));
            double magickWall = Stats.median(perPhoto(magickRuns, count, Timed::wallSeconds));
            double javaWall = Stats.median(perPhoto(javaRuns, count, Timed::wallSeconds));
            // the targets of the OpenCV decoder: JPEG near libvips, WebP within 1.5x, PNG no slower than before
            double vipsTarget = format.contains("JPEG") ? 1.2 : 1.5;
            if (!format.equals("PNG")) {
                report.add(label + ": wall time", ms(perPhoto(ours, count, Timed::wallSeconds)),
                        "vipsthumbnail " + ms(perPhoto(vipsRuns, count, Timed::wallSeconds)), ratio(wall, vipsWall),
                        vipsTarget + "x of vipsthumbnail or less", wall <= vipsTarget * vipsWall);
            } else {
                report.add(label + ": wall time", ms(perPhoto(ours, count, Timed::wallSeconds)),
                        "vipsthumbnail " + ms(perPhoto(vipsRuns, count, Timed::wallSeconds)), ratio(wall, vipsWall),
                        "");
            }
            report.add(label + ": wall time", ms(perPhoto(ours, count, Timed::wallSeconds)),
                    "the pure-Java decoder " + ms(perPhoto(javaRuns, count, Timed::wallSeconds)),
                    ratio(wall, javaWall), format.equals("PNG") ? "no slower than the Java decoder" : "",
                    !format.equals("PNG") || wall <= javaWall);
            report.add(label + ": wall time", ms(perPhoto(ours, count, Timed::wallSeconds)),
                    "ImageMagick " + ms(perPhoto(magickRuns, count, Timed::wallSeconds)),
                    ratio(wall, magickWall), "0.5x of ImageMagick or less", wall <= 0.5 * magickWall);
            report.add(label + ": CPU time", ms(perPhoto(ours, count, Timed::cpuSeconds)),
                    "vipsthumbnail " + ms(perPhoto(vipsRuns, count, Timed::cpuSeconds)) + ", ImageMagick "
                            + ms(perPhoto(magickRuns, count, Timed::cpuSeconds)),
                    ratio(Stats.median(perPhoto(ours, count, Timed::cpuSeconds)),
                            Stats.median(perPhoto(vipsRuns, count, Timed::cpuSeconds))) + " of vips", "");
            report.add(format + ": peak RSS of the batch of " + count, mb(rss(ours)),
                    "vipsthumbnail " + mb(rss(vipsRuns)) + ", ImageMagick " + mb(rss(magickRuns)), "", "");
            List<Double> first = toMb(heapFirst.get("dreamdrop/" + format));
            List<Double> most = toMb(heapAll.get("dreamdrop/" + format));
            List<Double> javaMost = toMb(heapAll.get("java/" + format));
            report.add(format + ": heap kept after 1 photo / at most over " + 2 * count + " photos",
                    Stats.spread(first, "%.0f MB") + " / " + Stats.spread(most, "%.0f MB"), "-",
                    String.format("%.2f", Stats.median(most) / Stats.median(first)),
                    "independent of the number of photos", Stats.median(most) <= 1.25 * Stats.median(first));
            report.add(format + ": heap kept at most", Stats.spread(most, "%.0f MB"), "the pure-Java decoder "
                    + Stats.spread(javaMost, "%.0f MB"), String.format("%.2f", Stats.median(most)
                    / Stats.median(javaMost)), "no higher than the Java decoder (within 10%)",
                    Stats.median(most) <= 1.1 * Stats.median(javaMost));
        }
        report.note("Image preparation: " + photos.size() + " photos (" + photoSource + "), batches of one format;"
                + " wall and CPU per photo = batch / photos. DreamDrop, a long-running server, is measured warm: one"
                + " JVM per batch (-Xmx1g, the preparer and settings DreamDrop ships with) prepares the batch once"
                + " untimed, then again timed (process CPU, GC and JIT included; peak RSS of the whole JVM). Heap kept:"
                + " the heap in use right after a full collection, after the first photo and at most after any"
                + " later one (what the preparer holds on to; a photo's transient decoding buffers show in the RSS)."
                + " The command-line tools are timed as they run, start-up included. vipsthumbnail: `--size 512x512"
                + " --smartcrop centre`, one process per batch; ImageMagick 6: `convert -auto-orient -resize 512x512^"
                + " -gravity center -extent 512x512`, one process per photo as it is normally used. All write JPEG"
                + " quality 92; every output is checked to be a 512x512 image. DreamDrop decodes with OpenCV"
                + " (libjpeg-turbo at a reduced scale, libwebp; centre crop here, as the tools do); the pure-Java"
                + " decoder it had before (ImageIO, TwelveMonkeys) is measured beside it in the same rounds.");
    }

    /** DreamDrop's preparer in a JVM of its own: as shipped (OpenCV), or with the pure-Java decoder ("java"). */
    /**
     * Face-aware preparation of a person's phone photos, per photo, beside the nearest content-aware crop of
     * vipsthumbnail ({@code --smartcrop attention}), in the same rounds. Each runs as it does by default: DreamDrop
     * prepares the set's photos on as many threads as there are cores (dreamdrop.images.concurrency), vipsthumbnail
     * takes the files one after another with its own threads in each. DreamDrop's square is the face's (a close
     * crop, from a larger decode); vips's is the photo's shorter side.
     */
    void faceAwarePerPhoto(List<Path> photos, int rounds) throws Exception {
        if (!RequiredTools.installed("vipsthumbnail")) {
            return;
        }
        List<Timed> dreamDrop = new ArrayList<>();
        List<Timed> vips = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            dreamDrop.add(preparedAsPersonSet(clean(work.resolve("out-faces-dreamdrop")), photos));
            List<String> attention = new ArrayList<>(List.of("vipsthumbnail", "--size", "512x512", "--smartcrop",
                    "attention", "-o", clean(work.resolve("out-faces-vips")) + "/%s.jpg[Q=92,strip]"));
            photos.forEach(photo -> attention.add(photo.toString()));
            vips.add(Timed.run(attention, work));
        }
        String label = "face-aware preparation of a person's phone photos (" + photos.size() + " of 12 MP), per photo";
        String vipsName = "vipsthumbnail --smartcrop attention ";
        Comparison wall = Comparison.of(dreamDrop, vips, photos.size(), Timed::wallSeconds);
        report.add(label + ": wall time", wall.ours(), vipsName + wall.reference(), wall.ratio(),
                "1.0x of vipsthumbnail or less", wall.oursMs() <= wall.referenceMs());
        Comparison cpu = Comparison.of(dreamDrop, vips, photos.size(), Timed::cpuSeconds);
        report.add(label + ": CPU time", cpu.ours(), vipsName + cpu.reference(), cpu.ratio(), "");
    }

    /**
     * HEIC per photo beside libheif's heif-convert (Debian libheif-examples), in the same rounds. The HEICs are made
     * from the phone photos by heif-enc -q 80: each one HEVC image of 12 MP, not the grid of 48 tiles an iPhone
     * writes (this heif-enc cannot write grids). DreamDrop decodes, cuts around the face and writes the 512x512
     * JPEG, photos at once as for a set; heif-convert decodes and writes the whole photo as JPEG, one file after
     * another.
     */
    void heicPerPhoto(List<Path> phonePhotos, int rounds) throws Exception {
        if (!RequiredTools.installed("heif-enc") || !RequiredTools.installed("heif-convert")) {
            return;
        }
        List<Path> heics = new ArrayList<>();
        for (Path photo : phonePhotos) {
            Path png = photo.resolveSibling(photo.getFileName().toString().replace("-baseline.jpg", ".png"));
            Path heic = photo.resolveSibling(photo.getFileName().toString().replace("-baseline.jpg", ".heic"));
            make(heic, List.of("heif-enc", "-q", "80", png.toString(), "-o", heic.toString()));
            heics.add(heic);
        }
        List<Timed> dreamDrop = new ArrayList<>();
        List<Timed> libheif = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            dreamDrop.add(preparedAsPersonSet(clean(work.resolve("out-heic-dreamdrop")), heics));
            Path converted = clean(work.resolve("out-heic-libheif"));
            StringBuilder script = new StringBuilder();
            for (Path heic : heics) {
                script.append("heif-convert -q 92 '").append(heic).append("' '")
                        .append(converted.resolve(heic.getFileName() + ".jpg")).append("' >/dev/null && ");
            }
            libheif.add(Timed.run(List.of("sh", "-c", script + "true"), work));
        }
        Comparison wall = Comparison.of(dreamDrop, libheif, heics.size(), Timed::wallSeconds);
        report.add("HEIC of 12 MP (one HEVC image each, " + heics.size() + " photos), per photo: wall time",
                wall.ours(), "heif-convert (whole photo to JPEG) " + wall.reference(), wall.ratio(), "");
    }

    /** DreamDrop's runs beside a reference's, per photo: each one's spread in ms, and the ratio of their medians. */
    private record Comparison(String ours, String reference, String ratio, double oursMs, double referenceMs) {

        static Comparison of(List<Timed> ours, List<Timed> reference, int photos, ToDoubleFunction<Timed> seconds) {
            List<Double> oursMs = perPhoto(ours, photos, run -> seconds.applyAsDouble(run) * 1000);
            List<Double> referenceMs = perPhoto(reference, photos, run -> seconds.applyAsDouble(run) * 1000);
            return new Comparison(Stats.spread(oursMs, "%.0f ms"), Stats.spread(referenceMs, "%.0f ms"),
                    ImageBench.ratio(Stats.median(oursMs), Stats.median(referenceMs)), Stats.median(oursMs),
                    Stats.median(referenceMs));
        }
    }

    /** DreamDrop's preparation (PrepareBatch) as the intake prepares a person set: around the face, a photo a core. */
    private Timed preparedAsPersonSet(Path out, List<Path> photos) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dcrop=ONE_FACE", "-Dthreads=" + Runtime.getRuntime().availableProcessors(),
                "-cp", System.getProperty("java.class.path"), PrepareBatch.class.getName(), out.toString()));
        photos.forEach(photo -> command.add(photo.toString()));
        Timed process = Timed.run(command, work);
        return new Timed(line(process.output(), "wall-seconds"), line(process.output(), "cpu-seconds"),
                process.maxRssKb(), process.output());
    }

    private List<String> dreamDropCommand(Path out, List<Path> photos, String tool) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Ddecoder=" + ("java".equals(tool) ? "java" : "opencv"), "-cp",
                System.getProperty("java.class.path"), PrepareBatch.class.getName(), out.toString()));
        photos.forEach(photo -> command.add(photo.toString()));
        return command;
    }

    private static List<Double> perPhoto(List<Timed> runs, int count, ToDoubleFunction<Timed> value) {
        return runs.stream().map(run -> value.applyAsDouble(run) / count).toList();
    }

    private static List<Double> rss(List<Timed> runs) {
        return runs.stream().map(run -> run.maxRssKb() / 1024.0).toList();
    }

    private static List<Double> toMb(List<Double> bytes) {
        return bytes.stream().map(b -> b / 1024 / 1024).toList();
    }

    static String ms(List<Double> seconds) {
        return seconds.isEmpty() ? "not installed" : Stats.spread(seconds.stream().map(s -> s * 1000).toList(), "%.0f ms");
    }

    static String mb(List<Double> megabytes) {
        return megabytes.isEmpty() ? "not installed" : Stats.spread(megabytes, "%.0f MB");
    }

    /** DreamDrop's figure over the reference's: below 1 is faster. */
    static String ratio(double ours, double reference) {
        return Double.isNaN(reference) || reference == 0 ? "-" : String.format("%.2fx", ours / reference);
    }

    private static double line(String output, String name) {
        return output.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(name.length() + 1).trim())).orElse(Double.NaN);
    }

    private static Path clean(Path dir) throws IOException {
        LocalFiles.deleteTree(dir);
        return Files.createDirectories(dir);
    }

    /** How many files in {@code dir} are 512x512 images. */
    private static long crops512(Path dir) throws IOException {
        long count = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
                    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                    if (readers.hasNext()) {
                        ImageReader reader = readers.next();
                        reader.setInput(in);
                        if (reader.getWidth(0) == 512 && reader.getHeight(0) == 512) {
                            count++;
                        }
                        reader.dispose();
                    }
                }
            }
        }
        return count;
    }
}
