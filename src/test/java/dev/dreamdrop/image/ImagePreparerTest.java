package dev.dreamdrop.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.GpsDirectory;
import dev.dreamdrop.testing.PrepareOnePhoto;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePreparerTest {

    @TempDir
    Path dir;

    private final ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f);

    private BufferedImage prepared(Path photo) throws Exception {
        Path out = dir.resolve("out-" + photo.getFileName() + ".jpg");
        preparer.prepare(photo, out);
        BufferedImage result = ImageIO.read(out.toFile());
        assertEquals(512, result.getWidth());
        assertEquals(512, result.getHeight());
        return result;
    }

    private static void assertUpright(BufferedImage result) {
        assertTrue(TestPhotos.isMarker(result, 30, 30), "the marker stays in the top-left corner");
        assertFalse(TestPhotos.isMarker(result, 480, 30), "the top-right corner is not the marker");
        assertFalse(TestPhotos.isMarker(result, 30, 480), "the bottom-left corner is not the marker");
    }

    @Test
    void baselineJpegIsCroppedToTheCentreSquare() throws Exception {
        Path photo = dir.resolve("baseline.jpg");
        TestPhotos.writeJpeg(TestPhotos.portrait(640, 800, 0), photo, false);
        assertUpright(prepared(photo));
    }

    @Test
    void largeProgressiveJpegIsScaledDown() throws Exception {
        Path photo = dir.resolve("progressive.jpg");
        TestPhotos.writeJpeg(TestPhotos.portrait(3000, 4000, 1), photo, true);
        assertUpright(prepared(photo));
    }

    @Test
    void a48MegapixelPhotoIsPreparedInA64MegabyteHeap() throws Exception {
        Path photo = dir.resolve("huge.jpg");
        TestPhotos.writeJpeg(TestPhotos.portrait(8000, 6000, 2), photo, true);
        // decoded whole, this photo alone would take 192 MB
        assertPreparedInA64MegabyteHeap(photo);
    }

    @Test
    void twelveMegapixelWebpsArePreparedInA64MegabyteHeap() throws Exception {
        // made by cwebp from TestPhotos.portrait(3000, 4000, 3), with -q 85 and with -lossless
        assertPreparedInA64MegabyteHeap(resource("portrait-12mp.webp"));
        assertPreparedInA64MegabyteHeap(resource("portrait-12mp-lossless.webp"));
    }

    private void assertPreparedInA64MegabyteHeap(Path photo) throws Exception {
        Path out = dir.resolve(photo.getFileName() + "-out.jpg");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), PrepareOnePhoto.class.getName(),
                photo.toString(), out.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        BufferedImage result = ImageIO.read(out.toFile());
        assertEquals(512, result.getWidth());
        assertUpright(result);
    }

    @Test
    void exifOrientationIsAppliedAndNoMetadataSurvives() throws Exception {
        Path photo = dir.resolve("phone.jpg");
        TestPhotos.writeRotatedJpegWithGps(TestPhotos.portrait(800, 600, 2), photo);
        Metadata original = read(photo);
        assertEquals(6, original.getFirstDirectoryOfType(ExifIFD0Directory.class).getInt(ExifIFD0Directory.TAG_ORIENTATION));
        assertTrue(original.containsDirectoryOfType(GpsDirectory.class), "the test photo carries a GPS position");

        BufferedImage result = prepared(photo);
        assertUpright(result);

        Path out = dir.resolve("out-phone.jpg.jpg");
        Metadata cleaned = read(out);
        assertNull(cleaned.getFirstDirectoryOfType(GpsDirectory.class), "no GPS in the prepared image");
        assertNull(cleaned.getFirstDirectoryOfType(ExifIFD0Directory.class), "no EXIF in the prepared image");
        assertFalse(new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1).contains("Exif"));
    }

    @Test
    void cmykJpegIsDecodedWithItsColours() throws Exception {
        // made by ImageMagick from the test portrait: convert portrait.png -colorspace CMYK portrait-cmyk.jpg
        assertUpright(prepared(resource("portrait-cmyk.jpg")));
    }

    @Test
    void pngWithTransparencyIsFlattened() throws Exception {
        BufferedImage argb = new BufferedImage(600, 600, BufferedImage.TYPE_INT_ARGB);
        argb.createGraphics().drawImage(TestPhotos.portrait(600, 600, 4), 0, 0, null);
        argb.setRGB(599, 599, 0x00000000);
        Path photo = dir.resolve("alpha.png");
        ImageIO.write(argb, "png", photo.toFile());
        assertUpright(prepared(photo));
    }

    @Test
    void lossyAndLosslessWebpAreDecoded() throws Exception {
        // made by cwebp from the test portrait, with -q 85 and with -lossless
        for (String name : new String[] {"portrait.webp", "portrait-lossless.webp"}) {
            Path photo = resource(name);
            assertEquals("webp", preparer.inspect(photo).format());
            assertUpright(prepared(photo));
        }
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() throws Exception {
        Path photo = dir.resolve("bomb.png");
        TestPhotos.writePngHeaderClaiming(60_000, 60_000, photo);
        assertTrue(Files.size(photo) < 200, "the bomb is tiny on disk");
        ImagePreparer.ImageProblem problem = assertThrows(ImagePreparer.ImageProblem.class, () -> preparer.inspect(photo));
        assertTrue(problem.getMessage().contains("60000x60000"), problem.getMessage());
        assertTrue(problem.getMessage().contains("megapixels"), problem.getMessage());
        assertThrows(ImagePreparer.ImageProblem.class, () -> preparer.prepare(photo, dir.resolve("never.jpg")));
    }

    @Test
    void tooSmallPhotoIsRefusedWithTheMinimum() throws Exception {
        Path photo = dir.resolve("small.png");
        TestPhotos.writePng(TestPhotos.portrait(300, 400, 5), photo);
        ImagePreparer.ImageProblem problem = assertThrows(ImagePreparer.ImageProblem.class, () -> preparer.inspect(photo));
        assertTrue(problem.getMessage().contains("300x400") && problem.getMessage().contains("512"), problem.getMessage());
    }

    @Test
    void fileThatIsNotAnImageIsRefused() throws Exception {
        Path photo = dir.resolve("notes.jpg");
        Files.writeString(photo, "this is not a photo");
        ImagePreparer.ImageProblem problem = assertThrows(ImagePreparer.ImageProblem.class, () -> preparer.inspect(photo));
        assertTrue(problem.getMessage().contains("not a readable image"), problem.getMessage());
    }

    @Test
    void everyExifOrientationComesOutUpright() {
        BufferedImage display = TestPhotos.portrait(200, 200, 0);
        for (int orientation = 1; orientation <= 8; orientation++) {
            BufferedImage stored = ImagePreparer.orient(display, inverse(orientation));
            BufferedImage shown = ImagePreparer.orient(stored, orientation);
            assertTrue(TestPhotos.isMarker(shown, 10, 10), "orientation " + orientation);
            assertFalse(TestPhotos.isMarker(shown, 190, 10), "orientation " + orientation);
            assertFalse(TestPhotos.isMarker(shown, 10, 190), "orientation " + orientation);
        }
    }

    /** The orientation whose transform undoes the given one (6 and 8 are each other's inverse). */
    private static int inverse(int orientation) {
        return orientation == 6 ? 8 : orientation == 8 ? 6 : orientation;
    }

    private Path resource(String name) throws Exception {
        Path photo = dir.resolve(name);
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/photos/" + name))) {
            Files.copy(in, photo);
        }
        return photo;
    }

    private static Metadata read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return ImageMetadataReader.readMetadata(in);
        }
    }
}
