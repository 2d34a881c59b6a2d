package dev.dreamdrop.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;

import org.bytedeco.opencv.opencv_core.Mat;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Turns a photo into the 512x512 JPEG the training API wants: a square around the subject's face (or at the
 * centre), EXIF orientation applied once, good-quality downscaling, no metadata at all in the result (GPS and
 * camera data never leave).
 *
 * <p>Memory stays bounded whatever the photo: the header is read first and a photo over the pixel limit is
 * refused before decoding (decompression bombs); OpenCV decodes a JPEG at a reduced scale, outside the heap, and
 * the Java path decodes only the centre square, subsampled while reading, so a 100-megapixel photo costs no more
 * than a small one.
 */
public class ImagePreparer {

    public static final int SIZE = 512;

    static {
        // ImageIO would write every JPEG through a temporary file first; ours are small enough for memory
        ImageIO.setUseCache(false);
    }

    /** Decoded side at most this many times the target, then halved down with bilinear steps. */
    private static final int DECODE_FACTOR = 2;

    private final int minSide;
    private final long maxPixels;
    private final float jpegQuality;
    private final boolean openCv;

    /**
     * @param minSide   shortest side a photo must have (at least 512 for a crop without upscaling)
     * @param maxPixels photos with more pixels than this are refused without being decoded
     * @param openCv    false: decode in Java and cut at the centre, even where OpenCV would load
     */
    public ImagePreparer(int minSide, long maxPixels, float jpegQuality, boolean openCv) {
        this.minSide = minSide;
        this.maxPixels = maxPixels;
        this.jpegQuality = jpegQuality;
        this.openCv = openCv;
    }

    public ImagePreparer(int minSide, long maxPixels, float jpegQuality) {
        this(minSide, maxPixels, jpegQuality, true);
    }

    /** Reads only the header: format and dimensions, checked against the limits. */
    public ImageInfo inspect(Path photo) throws ImageProblem {
        if (HeicPhotos.isHeif(photo)) {
            if (!(openCv && OpenCvPhotos.available() && HeicPhotos.available())) {
                throw new ImageProblem("is a HEIC/HEIF photo, which this installation cannot decode (FFmpeg or OpenCV"
                        + " does not load here); convert it to JPEG (on an iPhone: Settings > Camera > Formats > Most"
                        + " Compatible), or remove it from the set");
            }
            ImageInfo info = HeicPhotos.inspect(photo);
            checkLimits(info);
            return info;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(photo.toFile())) {
            ImageReader reader = readerFor(in);
            try {
                reader.setInput(in, true, true);
                ImageInfo info = new ImageInfo(reader.getFormatName().toLowerCase(Locale.ROOT),
                        reader.getWidth(0), reader.getHeight(0));
                checkLimits(info);
                return info;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageProblem("is not a readable image (" + describe(e) + "); use a JPEG, PNG, WebP or HEIC photo");
        }
    }

    /** How a photo is cut: around the face of its one subject, around both faces of a couple, or at its centre. */
    public enum Crop {
        CENTRE(0), ONE_FACE(1), TWO_FACES(2);

        private final int faces;

        Crop(int faces) {
            this.faces = faces;
        }

        /** The faces the cut is made around. */
        int faces() {
            return faces;
        }
    }

    /**
     * A prepared photo and what was found in it.
     *
     * @param square            where the square was cut, in the photo's pixels as displayed
     * @param faces             faces found, or -1 when none were looked for (centre crop, or no OpenCV here)
     * @param face              the largest face in the 512x512 image, null when none was found
     * @param look              the whole photo's colours in a few bytes, to tell the same photo again
     *                          ({@link PhotoMeasures#difference})
     */
    public record Prepared(BufferedImage image, Rectangle square, int faces, Rectangle face, byte[] look) {

        /** Width of the largest face in the 512x512 image, 0 when none was found. */
        public int faceWidthInResult() {
            return face == null ? 0 : face.width;
        }
    }

    /** Prepares {@code photo} cut at its centre, writes the 512x512 JPEG to {@code target}, and returns it. */
    public BufferedImage prepare(Path photo, Path target) throws ImageProblem {
        return prepare(photo, target, Crop.CENTRE).image();
    }

    /**
     * Prepares {@code photo} cut as {@code crop} asks (at its centre when no face is found), and writes the
     * 512x512 JPEG to {@code target}. Decoded by OpenCV where its natives load and it reads the file, else in Java
     * (centre crop); either way the header is checked against the limits before anything is decoded.
     */
    public Prepared prepare(Path photo, Path target, Crop crop) throws ImageProblem {
        ImageInfo info = inspect(photo);
        if ("heif".equals(info.format())) {
            Prepared prepared = prepareHeif(photo, crop);
            write(prepared.image(), target);
            return prepared;
        }
        int orientation = exifOrientation(photo);
        Prepared prepared = openCv && OpenCvPhotos.available() ? prepareWithOpenCv(photo, info, orientation, crop)
                : null;
        if (prepared == null) {
            BufferedImage image = prepareInJava(photo, orientation);
            // only the centre was decoded: the look is the crop's
            prepared = new Prepared(image, CropSquares.centre(orientation >= 5 ? info.height() : info.width(),
                    orientation >= 5 ? info.width() : info.height()), -1, null, PhotoMeasures.look(image));
        }
        write(prepared.image(), target);
        return prepared;
    }

    /**
     * A JPEG is decoded once at a reduced scale (libjpeg scales while decoding; reading the compressed data, which
     * every decode pays in full, is most of its cost): for a centre crop just large enough for the square at 512
     * pixels; to be cut around a face, large enough for a square of half the photo's shorter side, which the square
     * around the face in a portrait is larger than. Only a smaller square (a face far away) is decoded again, larger.
     * Other formats are decoded once, whole.
     *
     * @return null when OpenCV cannot read the file
     */
    private static Prepared prepareWithOpenCv(Path photo, ImageInfo info, int orientation, Crop crop) {
        boolean turned = orientation >= 5;
        int width = turned ? info.height() : info.width();
        int height = turned ? info.width() : info.height();
        boolean jpeg = "jpeg".equals(info.format());
        Rectangle centre = CropSquares.centre(width, height);
        int reduction = jpeg ? reduction(crop == Crop.CENTRE ? centre.width : centre.width / 2, SIZE) : 1;
        Mat source = OpenCvPhotos.decode(photo, reduction, orientation);
        try {
            if (source == null) {
                return null;
            }
            OpenCvPhotos.Survey survey = OpenCvPhotos.survey(source, crop.faces());
            List<Rectangle> faces = scaled(survey.faces(), reduction);
            Rectangle square = faces.isEmpty() ? centre
                    : CropSquares.around(faces, crop.faces(), width, height, SIZE);
            int needed = jpeg ? reduction(square.width, SIZE) : 1;
            if (needed < reduction) {
                source.close();
                reduction = needed;
                source = OpenCvPhotos.decode(photo, reduction, orientation);
                if (source == null) {
                    return null;
                }
            }
            BufferedImage image = OpenCvPhotos.cropTo(source, within(source, square, reduction), SIZE);
            return new Prepared(image, square, crop == Crop.CENTRE ? -1 : faces.size(), inResult(faces, square),
                    survey.look());
        } finally {
            if (source != null) {
                source.close();
            }
        }
    }

    /**
     * A HEIF photo is decoded whole, turned by its own geometry (its EXIF orientation, which says the same, is not
     * applied again), cut like any other, and its Display P3 colours converted to sRGB.
     */
    private static Prepared prepareHeif(Path photo, Crop crop) throws ImageProblem {
        HeicPhotos.Decoded decoded = HeicPhotos.decode(photo);
        try (Mat image = decoded.image()) {
            OpenCvPhotos.Survey survey = OpenCvPhotos.survey(image, crop.faces());
            List<Rectangle> faces = survey.faces();
            Rectangle square = faces.isEmpty() ? CropSquares.centre(image.cols(), image.rows())
                    : CropSquares.around(faces, crop.faces(), image.cols(), image.rows(), SIZE);
            BufferedImage result = OpenCvPhotos.cropTo(image, within(image, square, 1), SIZE);
            if (decoded.displayP3()) {
                HeicPhotos.displayP3ToSrgb(result);
            }
            return new Prepared(result, square, crop == Crop.CENTRE ? -1 : faces.size(), inResult(faces, square),
                    survey.look());
        }
    }

    /** The largest face in the 512x512 image's pixels, kept inside it; null when none was found. */
    private static Rectangle inResult(List<Rectangle> faces, Rectangle square) {
        if (faces.isEmpty()) {
            return null;
        }
        Rectangle face = faces.get(0);
        Rectangle scaled = new Rectangle((face.x - square.x) * SIZE / square.width,
                (face.y - square.y) * SIZE / square.width, face.width * SIZE / square.width,
                face.height * SIZE / square.width);
        return scaled.intersection(new Rectangle(0, 0, SIZE, SIZE));
    }

    /** The largest of 8, 4, 2 that leaves {@code side} at least {@code target} pixels, or 1. */
    private static int reduction(int side, int target) {
        for (int reduction = 8; reduction > 1; reduction /= 2) {
            if (side / reduction >= target) {
                return reduction;
            }
        }
        return 1;
    }

    private static List<Rectangle> scaled(List<Rectangle> faces, int factor) {
        return faces.stream().map(face -> new Rectangle(face.x * factor, face.y * factor, face.width * factor,
                face.height * factor)).toList();
    }

    /** The square in the pixels of an image decoded at 1/{@code reduction}, kept inside it (decoders round up). */
    private static Rectangle within(Mat image, Rectangle square, int reduction) {
        int side = Math.min(Math.round((float) square.width / reduction), Math.min(image.cols(), image.rows()));
        int x = Math.min(Math.round((float) square.x / reduction), image.cols() - side);
        int y = Math.min(Math.round((float) square.y / reduction), image.rows() - side);
        return new Rectangle(x, y, side, side);
    }

    /**
     * The pure-Java path: only the centre square is decoded, subsampled while reading to at most
     * {@code 2 x 512} per side, then oriented.
     */
    private static BufferedImage prepareInJava(Path photo, int orientation) throws ImageProblem {
        BufferedImage square;
        try (ImageInputStream in = ImageIO.createImageInputStream(photo.toFile())) {
            ImageReader reader = readerFor(in);
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                ImageReadParam param = reader.getDefaultReadParam();
                int subsampling = Math.max(1, Math.min(width, height) / (SIZE * DECODE_FACTOR));
                param.setSourceSubsampling(subsampling, subsampling, 0, 0);
                param.setSourceRegion(CropSquares.centre(width, height));
                square = reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageProblem("could not be decoded (" + describe(e) + "); the file may be damaged");
        }
        return orient(scaleTo(toRgb(square), SIZE), orientation);
    }

    /** A small JPEG of a prepared image, for emails and the dashboard. */
    public static byte[] thumbnail(BufferedImage prepared, int size) throws ImageProblem {
        try {
            ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
            ImageIO.write(scaleTo(prepared, size), "jpeg", jpeg);
            return jpeg.toByteArray();
        } catch (IOException e) {
            throw new ImageProblem("could not be made into a thumbnail: " + describe(e));
        }
    }

    private void checkLimits(ImageInfo info) throws ImageProblem {
        if ((long) info.width() * info.height() > maxPixels) {
            throw new ImageProblem(String.format("is %dx%d, more than the %d megapixels allowed; "
                    + "scale it down before dropping it", info.width(), info.height(), maxPixels / 1_000_000));
        }
        if (Math.min(info.width(), info.height()) < minSide) {
            throw new ImageProblem(String.format("is %dx%d, too small: its shorter side must be at least %d pixels "
                    + "for a sharp %dx%d crop; use a larger photo", info.width(), info.height(), minSide, SIZE, SIZE));
        }
    }

    private static ImageReader readerFor(ImageInputStream in) throws IOException {
        if (in == null) {
            throw new IOException("cannot open");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new IOException("unknown format");
        }
        return readers.next();
    }

    /** EXIF orientation 1..8; 1 when absent or unreadable (the photo is then taken as stored). */
    static int exifOrientation(Path photo) {
        try (InputStream in = Files.newInputStream(photo)) {
            Metadata metadata = ImageMetadataReader.readMetadata(in);
            ExifIFD0Directory exif = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (exif != null && exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                int orientation = exif.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                return orientation >= 1 && orientation <= 8 ? orientation : 1;
            }
        } catch (IOException | ImageProcessingException | com.drew.metadata.MetadataException | RuntimeException e) {
            return 1;
        }
        return 1;
    }

    private static BufferedImage toRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        // transparent pixels become white rather than black
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    /** Halves with bilinear filtering until within 2x of the target, then one bicubic step: no aliasing. */
    static BufferedImage scaleTo(BufferedImage image, int size) {
        BufferedImage current = image;
        while (current.getWidth() >= size * 2) {
            current = resize(current, current.getWidth() / 2, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        }
        return current.getWidth() == size ? current : resize(current, size, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
    }

    private static BufferedImage resize(BufferedImage image, int size, Object interpolation) {
        BufferedImage result = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = result.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, interpolation);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image, 0, 0, size, size, null);
        g.dispose();
        return result;
    }

    /** Applies an EXIF orientation (1..8) to a square image. */
    static BufferedImage orient(BufferedImage square, int orientation) {
        if (orientation == 1) {
            return square;
        }
        int n = square.getWidth();
        // (m00, m10, m01, m11, m02, m12): x' = m00 x + m01 y + m02, y' = m10 x + m11 y + m12
        AffineTransform t = switch (orientation) {
            case 2 -> new AffineTransform(-1, 0, 0, 1, n, 0);
            case 3 -> new AffineTransform(-1, 0, 0, -1, n, n);
            case 4 -> new AffineTransform(1, 0, 0, -1, 0, n);
            case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);
            case 6 -> new AffineTransform(0, 1, -1, 0, n, 0);
            case 7 -> new AffineTransform(0, -1, -1, 0, n, n);
            case 8 -> new AffineTransform(0, -1, 1, 0, 0, n);
            default -> new AffineTransform();
        };
        BufferedImage result = new BufferedImage(n, n, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = result.createGraphics();
        g.drawImage(square, t, null);
        g.dispose();
        return result;
    }

    private void write(BufferedImage image, Path target) throws ImageProblem {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(target))) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(jpegQuality);
            writer.setOutput(out);
            // no metadata is passed on: the result carries nothing from the original file
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new ImageProblem("could not be written as a prepared image: " + e.getMessage());
        } finally {
            writer.dispose();
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Format and dimensions read from a photo's header. */
    public record ImageInfo(String format, int width, int height) {
    }

    /** A photo that cannot be used; the message completes a sentence that starts with the file name. */
    public static class ImageProblem extends Exception {
        public ImageProblem(String message) {
            super(message);
        }
    }
}
