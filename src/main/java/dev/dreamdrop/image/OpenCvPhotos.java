package dev.dreamdrop.image;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.ROTATE_180;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_CLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_COUNTERCLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.rotate;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * OpenCV, through the JavaCPP presets: photos decoded by libjpeg-turbo (at a reduced scale while decoding) and
 * libwebp, and faces found with the frontal-face Haar cascade shipped inside the natives jar. The natives load on
 * first use, not at start-up; where they cannot load, {@link #available()} says so once and DreamDrop decodes in
 * Java and crops the centre.
 */
final class OpenCvPhotos {

    private static final Logger LOG = LoggerFactory.getLogger(OpenCvPhotos.class);
    private static final String CASCADE = "share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";
    /** Faces are looked for on a grayscale copy whose longer side is at most this, ... */
    private static final int DETECTION_SIDE = 800;
    /** ... down to this many pixels wide there (a face 2% of a photo's width); ... */
    private static final int MIN_FACE = 16;
    /**
     * ... first on a copy whose longer side is at most this, down to the cascade's own window (a face 6% of the
     * photo's longer side), in steps of 20% in size rather than 10%: a portrait's face is found either way, in a
     * fifth of the time.
     */
    private static final int COARSE_SIDE = 320;
    private static final int COARSE_MIN_FACE = 20;
    private static final double COARSE_STEP = 1.2;
    /** Sizes looked for on the larger copy, each this much larger than the one before. */
    private static final double STEP = 1.1;
    /** The cascade's confidence below which a candidate is not taken for a face. */
    private static final double MIN_CONFIDENCE = 55.0;

    private static final NativesOnFirstUse NATIVES = new NativesOnFirstUse(OpenCvPhotos::load);
    private static final ThreadLocal<CascadeClassifier> FACES = ThreadLocal.withInitial(OpenCvPhotos::cascade);

    private OpenCvPhotos() {
    }

    /** Whether OpenCV's natives load here; the first call loads them and logs which decoder is in use. */
    static boolean available() {
        return NATIVES.available();
    }

    private static boolean load() {
        try {
            Loader.load(org.bytedeco.opencv.global.opencv_imgcodecs.class);
            Loader.load(org.bytedeco.opencv.global.opencv_objdetect.class);
            // a set's photos are prepared on DreamDrop's own threads (dreamdrop.images.concurrency), one photo each:
            // OpenCV's pool, splitting each photo's work again, would only keep cores spinning beside them
            org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
            LOG.info("Photos are decoded by OpenCV {} (libjpeg-turbo, libwebp) and cropped around faces",
                    org.bytedeco.opencv.global.opencv_core.CV_VERSION());
            return true;
        } catch (Throwable e) {
            LOG.warn("OpenCV cannot load here ({}): photos are decoded in Java and centre-cropped", e.toString());
            return false;
        }
    }

    private static CascadeClassifier cascade() {
        try {
            File file = Loader.cacheResource(org.bytedeco.opencv.global.opencv_objdetect.class,
                    "/org/bytedeco/opencv/" + Loader.getPlatform() + "/" + CASCADE);
            CascadeClassifier classifier = new CascadeClassifier(file.getAbsolutePath());
            if (classifier.empty()) {
                throw new IllegalStateException("the face cascade " + file + " does not load");
            }
            return classifier;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the face cascade is missing from the OpenCV jar", e);
        }
    }

    /**
     * Decodes {@code photo} in its stored orientation, JPEG at 1/{@code reduction} of its size (1, 2, 4 or 8, as
     * libjpeg scales while decoding), then turns it as its EXIF orientation says: applied here, once.
     *
     * @return a BGR image; null when OpenCV cannot read the file
     */
    static Mat decode(Path photo, int reduction, int orientation) {
        int mode = switch (reduction) {
            case 8 -> IMREAD_REDUCED_COLOR_8;
            case 4 -> IMREAD_REDUCED_COLOR_4;
            case 2 -> IMREAD_REDUCED_COLOR_2;
            default -> IMREAD_COLOR;
        };
        Mat image = imread(photo.toString(), mode | IMREAD_IGNORE_ORIENTATION);
        if (image == null || image.empty()) {
            return null;
        }
        return orient(image, orientation);
    }

    private static Mat orient(Mat image, int orientation) {
        if (orientation == 1) {
            return image;
        }
        Mat turned = new Mat();
        switch (orientation) {
            case 2 -> flip(image, turned, 1);
            case 3 -> rotate(image, turned, ROTATE_180);
            case 4 -> flip(image, turned, 0);
            case 5 -> {
                rotate(image, turned, ROTATE_90_CLOCKWISE);
                flip(turned, turned, 1);
            }
            case 6 -> rotate(image, turned, ROTATE_90_CLOCKWISE);
            case 7 -> {
                rotate(image, turned, ROTATE_90_CLOCKWISE);
                flip(turned, turned, 0);
            }
            case 8 -> rotate(image, turned, ROTATE_90_COUNTERCLOCKWISE);
            default -> image.copyTo(turned);
        }
        image.close();
        return turned;
    }

    /** What is seen on a whole photo before it is cut: its faces, largest first, and its look. */
    record Survey(List<Rectangle> faces, byte[] look) {
    }

    /**
     * Surveys {@code image} on a copy whose longer side is at most {@link #DETECTION_SIDE}: its look, and, when
     * {@code facesWanted} is more than 0, its faces in {@code image}'s coordinates. Faces are looked for first on a
     * copy of {@link #COARSE_SIDE}, where the face of a portrait is found in a fraction of the time; only where fewer
     * than wanted are found there (a face far away, a couple's smaller face, no face at all) is the larger copy
     * searched, for faces down to {@link #MIN_FACE} pixels.
     */
    static Survey survey(Mat image, int facesWanted) {
        double scale = Math.min(1.0, (double) DETECTION_SIDE / Math.max(image.cols(), image.rows()));
        try (Mat small = scaled(image, scale)) {
            byte[] look = look(small);
            if (facesWanted == 0) {
                return new Survey(List.of(), look);
            }
            try (Mat gray = new Mat(); Mat coarse = scaled(small,
                    Math.min(1.0, (double) COARSE_SIDE / Math.max(small.cols(), small.rows())))) {
                cvtColor(coarse, gray, COLOR_BGR2GRAY);
                List<Rectangle> faces = faces(gray, scale * coarse.cols() / small.cols(), COARSE_MIN_FACE,
                        COARSE_STEP);
                if (faces.size() < facesWanted) {
                    cvtColor(small, gray, COLOR_BGR2GRAY);
                    faces = faces(gray, scale, MIN_FACE, STEP);
                }
                return new Survey(faces, look);
            }
        }
    }

    /**
     * {@code image} at {@code scale}: averaged by a whole factor first (OpenCV's fast path, a third of the time of
     * averaging by any factor), then interpolated the rest of the way.
     */
    private static Mat scaled(Mat image, double scale) {
        Mat scaled = new Mat();
        if (scale >= 1.0) {
            image.copyTo(scaled);
            return scaled;
        }
        Size size = new Size((int) Math.round(image.cols() * scale), (int) Math.round(image.rows() * scale));
        int factor = (int) Math.floor(1 / scale);
        if (factor < 2) {
            resize(image, scaled, size, 0, 0, INTER_AREA);
        } else {
            try (Mat averaged = new Mat()) {
                resize(image, averaged, new Size(), 1.0 / factor, 1.0 / factor, INTER_AREA);
                resize(averaged, scaled, size, 0, 0, INTER_LINEAR);
            }
        }
        return scaled;
    }

    /**
     * The faces on {@code gray} (a copy at {@code scale} of the photo), in the photo's coordinates, largest first.
     * The detector is asked with few neighbours, so that a small face against a busy background is found, and each
     * candidate is kept only when its confidence (the cascade's level weight) is at least {@link #MIN_CONFIDENCE}:
     * what it finds in a cat, a cup of coffee or a rocket stays below (see bench/RESULTS.md, face crops).
     */
    private static List<Rectangle> faces(Mat gray, double scale, int minFace, double step) {
        try (RectVector found = new RectVector(); IntPointer levels = new IntPointer();
             DoublePointer confidence = new DoublePointer()) {
            equalizeHist(gray, gray);
            FACES.get().detectMultiScale3(gray, found, levels, confidence, step, 3, 0, new Size(minFace, minFace),
                    new Size(), true);
            List<Rectangle> faces = new ArrayList<>();
            for (long i = 0; i < found.size(); i++) {
                if (confidence.get(i) < MIN_CONFIDENCE) {
                    continue;
                }
                Rect face = found.get(i);
                faces.add(new Rectangle((int) Math.round(face.x() / scale), (int) Math.round(face.y() / scale),
                        (int) Math.round(face.width() / scale), (int) Math.round(face.height() / scale)));
            }
            faces.sort(Comparator.comparingInt((Rectangle face) -> face.width * face.height).reversed());
            return faces;
        }
    }

    /** The photo's {@link PhotoMeasures#look}, from a small copy of it: averaged down to a few cells, RGB. */
    private static byte[] look(Mat image) {
        try (Mat small = new Mat()) {
            resize(image, small, new Size(PhotoMeasures.LOOK_SIDE, PhotoMeasures.LOOK_SIDE), 0, 0, INTER_AREA);
            byte[] bgr = new byte[PhotoMeasures.LOOK_SIDE * PhotoMeasures.LOOK_SIDE * 3];
            small.data().get(bgr);
            for (int i = 0; i < bgr.length; i += 3) {
                byte blue = bgr[i];
                bgr[i] = bgr[i + 2];
                bgr[i + 2] = blue;
            }
            return bgr;
        }
    }

    /** The square {@code crop} of {@code image}, scaled to {@code size} x {@code size}, as an RGB image. */
    static BufferedImage cropTo(Mat image, Rectangle crop, int size) {
        try (Rect region = new Rect(crop.x, crop.y, crop.width, crop.height); Mat square = new Mat(image, region);
             Mat scaled = new Mat()) {
            resize(square, scaled, new Size(size, size), 0, 0, INTER_AREA);
            BufferedImage result = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
            byte[] pixels = ((DataBufferByte) result.getRaster().getDataBuffer()).getData();
            scaled.data().get(pixels);
            return result;
        }
    }
}
