package dev.dreamdrop.image;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HEIC/HEIF photos (src/test/resources/heic, from ../shared/fixtures/heic: four coloured quadrants, red top-left,
 * green top-right, blue bottom-left, white bottom-right): decoded to their documented size and colours, the grid
 * file turned once by its irot (not again by its EXIF orientation 6), and a truncated file refused by name.
 */
class HeicPhotosTest {

    @TempDir
    Path dir;

    private Path fixture(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = HeicPhotosTest.class.getResourceAsStream("/heic/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void aPlainHeicDecodesToItsSizeAndColours() throws Exception {
        HeicPhotos.Decoded decoded = HeicPhotos.decode(fixture("simple.heic"));
        try (Mat image = decoded.image()) {
            assertEquals(List.of(1024, 768), List.of(image.cols(), image.rows()));
            assertEquals(List.of("red", "green", "blue", "white"), quadrants(image));
        }
    }

    @Test
    void anIphoneLikeGridIsTurnedOnceByItsOwnGeometry() throws Exception {
        Path grid = fixture("grid_irot3_exif6.heic");
        assertEquals(6, ImagePreparer.exifOrientation(grid), "the EXIF orientation is there, and must be ignored");
        HeicPhotos.Decoded decoded = HeicPhotos.decode(grid);
        try (Mat image = decoded.image()) {
            assertEquals(List.of(900, 1200), List.of(image.cols(), image.rows()), "2x3 tiles, turned by irot 3");
            assertEquals(List.of("blue", "red", "white", "green"), quadrants(image));
        }
    }

    @Test
    void throughThePreparerTheCropIsOfTheTurnedPhoto() throws Exception {
        ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f);
        Path grid = fixture("grid_irot3_exif6.heic");
        assertEquals("heif", preparer.inspect(grid).format());
        Path out = dir.resolve("out.jpg");
        preparer.prepare(grid, out, ImagePreparer.Crop.CENTRE);
        BufferedImage sent = ImageIO.read(out.toFile());
        assertEquals(512, sent.getWidth());
        // the centre square of the 900x1200 picture: its middle band, blue over white on the left, red over green
        assertEquals("blue", colour(sent.getRGB(128, 64)));
        assertEquals("red", colour(sent.getRGB(384, 64)));
        assertEquals("white", colour(sent.getRGB(128, 448)));
        assertEquals("green", colour(sent.getRGB(384, 448)));
    }

    @Test
    void aHeicNamedJpgIsRecognisedByItsContent() throws Exception {
        Path disguised = dir.resolve("IMG_0001.jpg");
        Files.copy(fixture("simple.heic"), disguised);
        assertTrue(HeicPhotos.isHeif(disguised));
        assertEquals("heif", new ImagePreparer(512, 100_000_000L, 0.92f).inspect(disguised).format());
        assertFalse(HeicPhotos.isHeif(dir.resolve("missing.heic")));
    }

    @Test
    void aTruncatedHeicIsRefusedNeverMadeIntoAPartlyBlackPhoto() throws Exception {
        byte[] whole = Files.readAllBytes(fixture("grid_irot3_exif6.heic"));
        Path cut = dir.resolve("cut.heic");
        Files.write(cut, Arrays.copyOf(whole, whole.length * 2 / 3));
        ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f);
        ImagePreparer.ImageProblem problem = assertThrows(ImagePreparer.ImageProblem.class,
                () -> preparer.prepare(cut, dir.resolve("out.jpg"), ImagePreparer.Crop.CENTRE));
        assertTrue(problem.getMessage().contains("cut short"), problem.getMessage());
        assertFalse(Files.exists(dir.resolve("out.jpg")));
    }

    /** The colours at a quarter/three-quarters of the width and three-eighths/three-quarters of the height. */
    private static List<String> quadrants(Mat image) {
        int w = image.cols();
        int h = image.rows();
        try (UByteIndexer pixels = image.createIndexer()) {
            return List.of(bgr(pixels, w / 4, h * 3 / 8), bgr(pixels, w * 3 / 4, h * 3 / 8), bgr(pixels, w / 4, h * 3 / 4),
                    bgr(pixels, w * 3 / 4, h * 3 / 4));
        }
    }

    private static String bgr(UByteIndexer pixels, int x, int y) {
        return colour((pixels.get(y, x, 2) << 16) | (pixels.get(y, x, 1) << 8) | pixels.get(y, x, 0));
    }

    private static String colour(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (r > 200 && g > 200 && b > 200) {
            return "white";
        }
        if (r > 150 && g < 100 && b < 100) {
            return "red";
        }
        if (g > 150 && r < 100 && b < 100) {
            return "green";
        }
        if (b > 150 && r < 100 && g < 100) {
            return "blue";
        }
        return String.format("#%06x", rgb & 0xffffff);
    }
}
