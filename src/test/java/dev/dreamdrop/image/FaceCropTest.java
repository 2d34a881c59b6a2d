package dev.dreamdrop.image;

import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The square is cut around the face: a real photograph (NASA's portrait of Eileen Collins, skimage's
 * "astronaut", public domain) placed off-centre in larger frames, as phones and group shots place people.
 */
class FaceCropTest {

    /** The whole face in astronaut.jpg (512x512): brow line to chin, ear to ear, as a person marks it. */
    private static final Rectangle FACE = new Rectangle(175, 55, 100, 120);

    private static BufferedImage astronaut;

    @TempDir
    Path dir;

    private final ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f);

    @BeforeAll
    static void readPhotograph() throws Exception {
        try (InputStream in = Objects.requireNonNull(FaceCropTest.class.getResourceAsStream("/photos/astronaut.jpg"))) {
            astronaut = ImageIO.read(in);
        }
    }

    @Test
    void aFaceInTheTopQuarterOfAPortraitEndsUpWholeInTheCrop() throws Exception {
        // 3:4, the face in the top quarter: the centre square (y 200..1400) cuts through it
        Rectangle face = place(1200, 1600, 300, -40, 1.5, "portrait.jpg");

        ImagePreparer.Prepared prepared = preparer.prepare(dir.resolve("portrait.jpg"), dir.resolve("out.jpg"),
                ImagePreparer.Crop.ONE_FACE);

        assertTrue(face.y + face.height < 400, "the test's face is in the top quarter: " + face);
        assertFalse(CropSquares.centre(1200, 1600).contains(face), "the centre crop would cut the face");
        assertEquals(1, prepared.faces());
        assertTrue(prepared.square().contains(face), "face " + face + " within " + prepared.square());
        assertTrue(prepared.faceWidthInResult() >= 128, "the face fills part of the 512: "
                + prepared.faceWidthInResult());
    }

    @Test
    void aCoupleKeepsBothFaces() throws Exception {
        BufferedImage frame = background(2000, 1000);
        Rectangle left = draw(frame, 250, 200, 1.2);
        Rectangle right = draw(frame, 1000, 150, 1.2);

        Path photo = assertCutAroundBoth(frame, left, right);

        ImagePreparer.Prepared single = preparer.prepare(photo, dir.resolve("one.jpg"), ImagePreparer.Crop.ONE_FACE);
        assertFalse(single.square().contains(left) && single.square().contains(right),
                "a one-person crop is around one face: " + single.square());
    }

    @Test
    void aCoupleWithOneFaceFarSmallerKeepsBothFaces() throws Exception {
        // the larger face is found on the small copy searched first, the smaller one only on the larger copy
        BufferedImage frame = background(4000, 3000);
        Rectangle near = draw(frame, 100, 100, 5.0);
        Rectangle far = draw(frame, 3100, 800, 1.6);

        assertCutAroundBoth(frame, near, far);
    }

    /** Cuts {@code frame}, saved as a JPEG, around a couple's faces: both are found and within the square. */
    private Path assertCutAroundBoth(BufferedImage frame, Rectangle first, Rectangle second) throws Exception {
        Path photo = dir.resolve("couple.jpg");
        TestPhotos.writeJpeg(frame, photo, false);
        ImagePreparer.Prepared prepared = preparer.prepare(photo, dir.resolve("out.jpg"), ImagePreparer.Crop.TWO_FACES);
        assertEquals(2, prepared.faces());
        assertTrue(prepared.square().contains(first) && prepared.square().contains(second),
                "both faces within " + prepared.square() + ": " + first + ", " + second);
        return photo;
    }

    @Test
    void anObjectSetAndAPhotoWithoutAFaceAreCutAtTheCentre() throws Exception {
        place(1600, 1200, 100, 300, 1.5, "wide.jpg");
        ImagePreparer.Prepared object = preparer.prepare(dir.resolve("wide.jpg"), dir.resolve("object.jpg"),
                ImagePreparer.Crop.CENTRE);
        assertEquals(CropSquares.centre(1600, 1200), object.square());
        assertEquals(-1, object.faces(), "no face is looked for in an object set");

        Path noFace = dir.resolve("no-face.jpg");
        TestPhotos.writeJpeg(TestPhotos.portrait(1200, 1600, 0), noFace, false);
        ImagePreparer.Prepared faceless = preparer.prepare(noFace, dir.resolve("faceless.jpg"),
                ImagePreparer.Crop.ONE_FACE);
        assertEquals(0, faceless.faces());
        assertEquals(CropSquares.centre(1200, 1600), faceless.square(), "no face: the centre, as before");
    }

    @Test
    void aPortraitStoredSidewaysIsCutAroundTheFaceAsDisplayed() throws Exception {
        // stored sideways with EXIF orientation 6, as phones store it: displayed upright, 1200x1600
        Rectangle face = place(1200, 1600, 300, -40, 1.5, "upright.jpg");
        Path sideways = dir.resolve("sideways.jpg");
        TestPhotos.writeRotatedJpegWithGps(ImageIO.read(dir.resolve("upright.jpg").toFile()), sideways);

        ImagePreparer.Prepared prepared = preparer.prepare(sideways, dir.resolve("out.jpg"),
                ImagePreparer.Crop.ONE_FACE);

        assertEquals(1, prepared.faces(), "found once the photo is turned upright");
        assertTrue(prepared.square().contains(face), "face " + face + " within " + prepared.square());
    }

    /** Writes a frame with the astronaut drawn at (x, y), scaled; returns where the face is. */
    private Rectangle place(int width, int height, int x, int y, double scale, String name) throws Exception {
        BufferedImage frame = background(width, height);
        Rectangle face = draw(frame, x, y, scale);
        TestPhotos.writeJpeg(frame, dir.resolve(name), false);
        return face;
    }

    private static BufferedImage background(int width, int height) {
        BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        g.setColor(new Color(120, 128, 135));
        g.fillRect(0, 0, width, height);
        g.dispose();
        return frame;
    }

    private static Rectangle draw(BufferedImage frame, int x, int y, double scale) {
        Graphics2D g = frame.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        int side = (int) Math.round(512 * scale);
        g.drawImage(astronaut, x, y, side, side, null);
        g.dispose();
        Rectangle face = new Rectangle((int) Math.round(x + FACE.x * scale), (int) Math.round(y + FACE.y * scale),
                (int) Math.round(FACE.width * scale), (int) Math.round(FACE.height * scale));
        return face.intersection(new Rectangle(0, 0, frame.getWidth(), frame.getHeight()));
    }
}
