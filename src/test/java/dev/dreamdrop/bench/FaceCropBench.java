package dev.dreamdrop.bench;

import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.testing.TestPhotos;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How often the 512 square holds the whole face: a real photograph of a person (skimage's astronaut, NASA,
 * public domain) placed off-centre in tall (3:4, face in the top quarter), wide (16:9) and small-face frames over
 * another photograph, cut by DreamDrop around the face and, for comparison, at the centre as before; and photos
 * without a face, which must still be cut at the centre.
 */
final class FaceCropBench {

    /** The whole face in astronaut.png (512x512): brow line to chin, ear to ear. */
    private static final Rectangle FACE = new Rectangle(175, 55, 100, 120);

    private final Path work;
    private final Report report;

    FaceCropBench(Path work, Report report) {
        this.work = work;
        this.report = report;
    }

    private record Frame(String kind, Path photo, Rectangle face, int width, int height) {
    }

    void run(Path sources) throws Exception {
        BufferedImage person = ImageIO.read(sources.resolve("astronaut.png").toFile());
        BufferedImage scenery = ImageIO.read(sources.resolve("motorcycle_left.png").toFile());
        Path dir = Files.createDirectories(work.resolve("face-crops"));
        List<Frame> frames = new ArrayList<>();
        for (double scale : new double[]{1.2, 1.7}) {
            for (double across : new double[]{0.05, 0.5, 0.95}) {
                frames.add(frame("tall", person, scenery, 1500, 2000, scale, across, 0.0, dir));
                frames.add(frame("wide", person, scenery, 1920, 1080, scale, across, 0.5, dir));
            }
        }
        for (double across : new double[]{0.1, 0.4, 0.7, 0.95}) {
            for (double down : new double[]{0.1, 0.8}) {
                frames.add(frame("small-face", person, scenery, 3200, 2400, 0.9, across, down, dir));
            }
        }
        ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f);
        Map<String, int[]> byKind = new LinkedHashMap<>();
        int faceAware = 0;
        int centre = 0;
        long nanos = 0;
        for (Frame frame : frames) {
            long started = System.nanoTime();
            Rectangle square = preparer.prepare(frame.photo(), dir.resolve("out.jpg"), ImagePreparer.Crop.ONE_FACE)
                    .square();
            nanos += System.nanoTime() - started;
            int[] counts = byKind.computeIfAbsent(frame.kind(), k -> new int[3]);
            counts[0]++;
            if (square.contains(frame.face())) {
                faceAware++;
                counts[1]++;
            }
            if (centreOf(frame.width(), frame.height()).contains(frame.face())) {
                centre++;
                counts[2]++;
            }
        }
        StringBuilder kinds = new StringBuilder();
        byKind.forEach((kind, counts) -> kinds.append(kinds.length() == 0 ? "" : ", ").append(kind).append(' ')
                .append(counts[1]).append('/').append(counts[0]).append(" vs ").append(counts[2]).append('/')
                .append(counts[0]));
        double share = 100.0 * faceAware / frames.size();
        report.add("Crops holding the whole face, " + frames.size() + " photos of a person (" + kinds + ")",
                String.format("%.0f%% (%d/%d)", share, faceAware, frames.size()),
                String.format("centre crop %.0f%% (%d/%d)", 100.0 * centre / frames.size(), centre, frames.size()),
                "", ">= 95% face-aware", share >= 95);
        report.add("Face-aware preparation of those photos, per photo (detection included)",
                String.format("%.0f ms", nanos / 1e6 / frames.size()), "-", "", "");

        int unchanged = 0;
        int faceless = 0;
        for (String name : List.of("chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg")) {
            BufferedImage source = ImageIO.read(sources.resolve(name).toFile());
            for (int[] size : new int[][]{{1200, 1600}, {1600, 1200}}) {
                Path photo = dir.resolve("no-face-" + size[0] + "x" + size[1] + "-" + name + ".jpg");
                TestPhotos.writeJpeg(scaled(source, size[0], size[1]), photo, false);
                Rectangle square = preparer.prepare(photo, dir.resolve("out.jpg"), ImagePreparer.Crop.ONE_FACE)
                        .square();
                faceless++;
                if (square.equals(centreOf(size[0], size[1]))) {
                    unchanged++;
                }
            }
        }
        report.add("Photos without a face (" + faceless + ": a cat, coffee, a motorcycle, a rocket), cut as before",
                unchanged + "/" + faceless + " at the centre", "-", "", "all of them", unchanged == faceless);
        report.note("Face crops: frames of " + frames.size() + " JPEGs made from skimage's astronaut (NASA, public"
                + " domain) over its motorcycle photograph: tall 1500x2000 with the face in the top quarter, wide"
                + " 1920x1080, each at two scales and three positions across; small-face 3200x2400 with a face 90"
                + " pixels wide at eight positions. A crop counts when its square contains the whole face (brow to"
                + " chin, ear to ear, as marked by hand on the source). training_type men (one person).");
    }

    private static Rectangle centreOf(int width, int height) {
        int side = Math.min(width, height);
        return new Rectangle((width - side) / 2, (height - side) / 2, side, side);
    }

    /**
     * The person drawn at {@code scale} over the scenery, its face {@code across} the frame's width (0 left edge,
     * 1 right edge) and {@code down} its free height (0: the face in the top quarter).
     */
    private static Frame frame(String kind, BufferedImage person, BufferedImage scenery, int width, int height,
                               double scale, double across, double down, Path dir) throws Exception {
        BufferedImage frame = scaled(scenery, width, height);
        int side = (int) Math.round(512 * scale);
        int x = (int) Math.round(across * (width - side));
        int y = kind.equals("tall") ? (int) Math.round(height * 0.22 - (FACE.y + FACE.height) * scale)
                : (int) Math.round(down * (height - side));
        Graphics2D g = frame.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(person, x, y, side, side, null);
        g.dispose();
        Rectangle face = new Rectangle((int) Math.round(x + FACE.x * scale), (int) Math.round(y + FACE.y * scale),
                (int) Math.round(FACE.width * scale), (int) Math.round(FACE.height * scale));
        Path photo = dir.resolve(kind + "-" + width + "x" + height + "-" + scale + "-" + across + "-" + down + ".jpg");
        TestPhotos.writeJpeg(frame, photo, false);
        return new Frame(kind, photo, face, width, height);
    }

    private static BufferedImage scaled(BufferedImage source, int width, int height) {
        BufferedImage result = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = result.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, width, height, null);
        g.dispose();
        return result;
    }
}
