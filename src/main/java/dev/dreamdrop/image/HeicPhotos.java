package dev.dreamdrop.image;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avcodec.AVPacketSideData;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avformat.AVStreamGroup;
import org.bytedeco.ffmpeg.avformat.AVStreamGroupTileGrid;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_DISPLAYMATRIX;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_DATA_ICC_PROFILE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_side_data_get;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AV_STREAM_GROUP_PARAMS_TILE_GRID;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_PRI_SMPTE432;
import static org.bytedeco.ffmpeg.global.avutil.AVCOL_RANGE_JPEG;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.av_display_rotation_get;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCoefficients;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.ffmpeg.global.swscale.sws_setColorspaceDetails;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_CLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.ROTATE_90_COUNTERCLOCKWISE;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.rotate;

/**
 * HEIC/HEIF photos (an iPhone's default), decoded in process by FFmpeg (the JavaCPP presets' LGPL build, loaded on
 * first use like OpenCV): an iPhone photo is a grid of HEVC tiles, each decoded and pasted in place, the grid cropped,
 * then turned and mirrored as the file's own geometry says ({@code irot}/{@code imir}, which FFmpeg gives as a display
 * matrix). Its EXIF orientation is ignored: it says the same again, and applying both turns the photo twice. A file
 * whose tiles do not all decode (a truncated upload decodes none, without an error) is refused, never made into a
 * partly black photo. Facts and traps: heic.md.
 */
final class HeicPhotos {

    private static final Logger LOG = LoggerFactory.getLogger(HeicPhotos.class);
    /** The brands of an ISOBMFF {@code ftyp} box that say HEIF (the image kinds; {@code mif1} is any HEIF image). */
    private static final Set<String> BRANDS = Set.of("heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1");

    private static final NativesOnFirstUse NATIVES = new NativesOnFirstUse(HeicPhotos::load);

    private HeicPhotos() {
    }

    /** Whether the file is HEIF, by its first bytes ({@code ftyp} and a HEIF brand), whatever its name. */
    static boolean isHeif(Path photo) {
        try (InputStream in = Files.newInputStream(photo)) {
            byte[] head = in.readNBytes(12);
            return head.length == 12 && "ftyp".equals(new String(head, 4, 4, StandardCharsets.ISO_8859_1))
                    && BRANDS.contains(new String(head, 8, 4, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether FFmpeg's natives load here; the first call loads them. */
    static boolean available() {
        return NATIVES.available();
    }

    private static boolean load() {
        try {
            Loader.load(org.bytedeco.ffmpeg.global.avformat.class);
            Loader.load(org.bytedeco.ffmpeg.global.swscale.class);
            // a damaged file is reported by DreamDrop, in words; FFmpeg's own lines would only repeat it
            av_log_set_level(AV_LOG_ERROR - 8);
            LOG.info("HEIC/HEIF photos are decoded by FFmpeg {}", org.bytedeco.ffmpeg.global.avutil.av_version_info()
                    .getString());
            return true;
        } catch (Throwable e) {
            LOG.warn("FFmpeg cannot load here ({}): HEIC photos are refused with the advice to convert them",
                    e.toString());
            return false;
        }
    }

    /** A HEIF photo's size as shown (its crop; width and height as stored, before any turn). */
    static ImagePreparer.ImageInfo inspect(Path photo) throws ImagePreparer.ImageProblem {
        AVFormatContext format = open(photo);
        try {
            AVStreamGroup group = gridGroup(format);
            if (group != null) {
                return new ImagePreparer.ImageInfo("heif", group.params_tile_grid().width(),
                        group.params_tile_grid().height());
            }
            AVStream stream = format.streams(bestStream(format));
            return new ImagePreparer.ImageInfo("heif", stream.codecpar().width(), stream.codecpar().height());
        } finally {
            avformat_close_input(format);
        }
    }

    /**
     * A decoded HEIF photo, turned as it is shown.
     *
     * @param image     BGR
     * @param displayP3 whether its colours are Display P3 (an iPhone's), to be converted to sRGB
     */
    record Decoded(Mat image, boolean displayP3) {
    }

    static Decoded decode(Path photo) throws ImagePreparer.ImageProblem {
        AVFormatContext format = open(photo);
        try {
            AVStreamGroup group = gridGroup(format);
            Mat image;
            AVPacketSideData sideData;
            int sideDataCount;
            AVCodecParameters first;
            if (group != null) {
                AVStreamGroupTileGrid grid = group.params_tile_grid();
                image = decodeGrid(format, group);
                sideData = grid.coded_side_data();
                sideDataCount = grid.nb_coded_side_data();
                first = group.streams(grid.offsets_idx(0)).codecpar();
            } else {
                int index = bestStream(format);
                Mat[] decoded = new Mat[1];
                int tiles = decodeTiles(format, Set.of(index), (stream, tile) -> decoded[0] = tile);
                if (tiles == 0) {
                    throw new ImagePreparer.ImageProblem("could not be decoded: the file holds no complete image (it"
                            + " may be cut short); copy the photo again from the phone");
                }
                image = decoded[0];
                first = format.streams(index).codecpar();
                sideData = first.coded_side_data();
                sideDataCount = first.nb_coded_side_data();
            }
            Mat shown = applyDisplayMatrix(image, sideData, sideDataCount);
            return new Decoded(shown, isDisplayP3(first));
        } finally {
            avformat_close_input(format);
        }
    }

    private static AVFormatContext open(Path photo) throws ImagePreparer.ImageProblem {
        AVFormatContext format = new AVFormatContext(null);
        if (avformat_open_input(format, photo.toString(), null, null) < 0
                || avformat_find_stream_info(format, (PointerPointer<?>) null) < 0) {
            avformat_close_input(format);
            throw new ImagePreparer.ImageProblem("is not a readable HEIC/HEIF photo (the file may be damaged or cut"
                    + " short); copy it again from the phone, or convert it to JPEG");
        }
        return format;
    }

    /** The group of tiles of a grid image, or null for a single image. */
    private static AVStreamGroup gridGroup(AVFormatContext format) {
        for (int i = 0; i < format.nb_stream_groups(); i++) {
            AVStreamGroup group = format.stream_groups(i);
            if (group.type() == AV_STREAM_GROUP_PARAMS_TILE_GRID) {
                return group;
            }
        }
        return null;
    }

    private static int bestStream(AVFormatContext format) throws ImagePreparer.ImageProblem {
        int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (AVCodec) null, 0);
        if (index < 0) {
            throw new ImagePreparer.ImageProblem("holds no image FFmpeg can decode; convert it to JPEG");
        }
        return index;
    }

    /** Every tile in its place on the coded canvas, then the canvas cropped to the picture. */
    private static Mat decodeGrid(AVFormatContext format, AVStreamGroup group) throws ImagePreparer.ImageProblem {
        AVStreamGroupTileGrid grid = group.params_tile_grid();
        Map<Integer, Rect> places = new HashMap<>();
        for (int i = 0; i < grid.nb_tiles(); i++) {
            places.put(group.streams(grid.offsets_idx(i)).index(), new Rect(grid.offsets_horizontal(i), grid.offsets_vertical(i),
                    0, 0));
        }
        try (Mat canvas = new Mat(grid.coded_height(), grid.coded_width(), CV_8UC3, Scalar.all(0))) {
            int decoded = decodeTiles(format, places.keySet(), (stream, tile) -> {
                try (Rect at = places.get(stream); tile) {
                    int width = Math.min(tile.cols(), canvas.cols() - at.x());
                    int height = Math.min(tile.rows(), canvas.rows() - at.y());
                    try (Rect source = new Rect(0, 0, width, height);
                         Rect target = new Rect(at.x(), at.y(), width, height);
                         Mat from = new Mat(tile, source); Mat to = new Mat(canvas, target)) {
                        from.copyTo(to);
                    }
                }
            });
            if (decoded < grid.nb_tiles()) {
                throw new ImagePreparer.ImageProblem("is incomplete: " + decoded + " of its " + grid.nb_tiles()
                        + " tiles could be decoded (the file was probably cut short while copying); copy the photo"
                        + " again from the phone");
            }
            try (Rect crop = new Rect(grid.horizontal_offset(), grid.vertical_offset(), grid.width(), grid.height());
                 Mat cropped = new Mat(canvas, crop)) {
                return cropped.clone();
            }
        }
    }

    private interface TileSink {
        void accept(int stream, Mat tile);
    }

    /**
     * Decodes the first frame of each of {@code streams} as BGR and hands it over.
     *
     * @return how many of them decoded
     */
    private static int decodeTiles(AVFormatContext format, Set<Integer> streams, TileSink sink) {
        Map<Integer, AVCodecContext> decoders = new HashMap<>();
        AVPacket packet = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        int decoded = 0;
        try {
            for (int stream : streams) {
                AVCodecParameters parameters = format.streams(stream).codecpar();
                AVCodec codec = avcodec_find_decoder(parameters.codec_id());
                AVCodecContext context = codec == null ? null : avcodec_alloc_context3(codec);
                if (context != null && avcodec_parameters_to_context(context, parameters) >= 0
                        && avcodec_open2(context, codec, (PointerPointer<?>) null) >= 0) {
                    decoders.put(stream, context);
                } else if (context != null) {
                    avcodec_free_context(context);
                }
            }
            Set<Integer> done = new HashSet<>();
            while (done.size() < decoders.size() && av_read_frame(format, packet) >= 0) {
                int stream = packet.stream_index();
                AVCodecContext context = decoders.get(stream);
                if (context != null && !done.contains(stream) && avcodec_send_packet(context, packet) >= 0) {
                    // one packet, one picture: flush it out of the decoder now
                    avcodec_send_packet(context, null);
                    if (avcodec_receive_frame(context, frame) >= 0) {
                        sink.accept(stream, bgr(frame));
                        done.add(stream);
                        decoded++;
                    }
                }
                av_packet_unref(packet);
            }
        } finally {
            decoders.values().forEach(org.bytedeco.ffmpeg.global.avcodec::avcodec_free_context);
            av_frame_free(frame);
            av_packet_free(packet);
        }
        return decoded;
    }

    private static Mat bgr(AVFrame frame) {
        int width = frame.width();
        int height = frame.height();
        Mat image = new Mat(height, width, CV_8UC3);
        SwsContext scaler = sws_getContext(width, height, frame.format(), width, height, AV_PIX_FMT_BGR24,
                SWS_BILINEAR, null, null, (double[]) null);
        try {
            IntPointer coefficients = sws_getCoefficients(frame.colorspace());
            sws_setColorspaceDetails(scaler, coefficients, frame.color_range() == AVCOL_RANGE_JPEG ? 1 : 0,
                    coefficients, 1, 0, 1 << 16, 1 << 16);
            // four entries each, as sws_scale reads four planes' pointers and strides (one entry crashes the JVM)
            try (PointerPointer<BytePointer> target = new PointerPointer<>(image.data(), null, null, null);
                 IntPointer stride = new IntPointer((int) image.step(), 0, 0, 0)) {
                sws_scale(scaler, frame.data(), frame.linesize(), 0, height, target, stride);
            }
        } finally {
            sws_freeContext(scaler);
        }
        return image;
    }

    /**
     * Turns and mirrors the picture as FFmpeg's display matrix says, the way FFmpeg's own tools do (its angle alone
     * misses a mirror, which shows as -0.0 or -180.0).
     */
    private static Mat applyDisplayMatrix(Mat image, AVPacketSideData sideData, int count) {
        AVPacketSideData matrix = count > 0 ? av_packet_side_data_get(sideData, count, AV_PKT_DATA_DISPLAYMATRIX)
                : null;
        if (matrix == null || matrix.isNull() || matrix.size() < 36) {
            return image;
        }
        int[] m = new int[9];
        new IntPointer(matrix.data()).get(m);
        double theta = -Math.round(av_display_rotation_get(m));
        theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
        Mat shown = new Mat();
        if (Math.abs(theta - 90) < 1) {
            // FFmpeg's transpose "clock", or "cclock_flip" when mirrored
            rotate(image, shown, m[3] > 0 ? ROTATE_90_COUNTERCLOCKWISE : ROTATE_90_CLOCKWISE);
            if (m[3] > 0) {
                flip(shown, shown, 0);
            }
        } else if (Math.abs(theta - 270) < 1) {
            // "cclock", or "clock_flip" when mirrored
            rotate(image, shown, m[3] < 0 ? ROTATE_90_CLOCKWISE : ROTATE_90_COUNTERCLOCKWISE);
            if (m[3] < 0) {
                flip(shown, shown, 0);
            }
        } else {
            // 180 degrees is both flips; 0 degrees may be mirrored
            image.copyTo(shown);
            if (m[0] < 0) {
                flip(shown, shown, 1);
            }
            if (m[4] < 0) {
                flip(shown, shown, 0);
            }
        }
        image.close();
        return shown;
    }

    /** An iPhone's photos are Display P3: named by their ICC profile, or by the colour primaries of the stream. */
    private static boolean isDisplayP3(AVCodecParameters parameters) {
        if (parameters.color_primaries() == AVCOL_PRI_SMPTE432) {
            return true;
        }
        AVPacketSideData icc = parameters.nb_coded_side_data() > 0 ? av_packet_side_data_get(
                parameters.coded_side_data(), parameters.nb_coded_side_data(), AV_PKT_DATA_ICC_PROFILE) : null;
        if (icc == null || icc.isNull()) {
            return false;
        }
        byte[] profile = new byte[(int) icc.size()];
        icc.data().get(profile);
        // the profile's description, in ASCII (desc) or UTF-16 (mluc)
        return new String(profile, StandardCharsets.ISO_8859_1).contains("Display P3")
                || new String(profile, StandardCharsets.UTF_16BE).contains("Display P3");
    }

    /** Display P3 to sRGB (same white, same transfer curve): linearised, the primaries' matrix, encoded again. */
    static void displayP3ToSrgb(BufferedImage image) {
        double[][] matrix = {{1.2249, -0.2247, 0.0}, {-0.0420, 1.0419, 0.0}, {-0.0197, -0.0786, 1.0979}};
        double[] linear = new double[256];
        for (int i = 0; i < 256; i++) {
            double v = i / 255.0;
            linear[i] = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                double r = linear[(rgb >> 16) & 0xff];
                double g = linear[(rgb >> 8) & 0xff];
                double b = linear[rgb & 0xff];
                int[] out = new int[3];
                for (int c = 0; c < 3; c++) {
                    double v = Math.min(1, Math.max(0, matrix[c][0] * r + matrix[c][1] * g + matrix[c][2] * b));
                    out[c] = (int) Math.round(255 * (v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055));
                }
                image.setRGB(x, y, (out[0] << 16) | (out[1] << 8) | out[2]);
            }
        }
    }
}
