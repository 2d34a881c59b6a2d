package dev.dreamdrop.testing;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Photos made for tests: a drawn portrait with a red marker in the top-left corner of its centre square, so
 * that orientation and cropping can be checked on the result, in every format and quirk DreamDrop must take.
 */
public final class TestPhotos {

    public static final Color MARKER = new Color(230, 20, 20);

    private TestPhotos() {
    }

    /** A portrait as a person sees it: sky, a head and shoulders, and the red marker. */
    public static BufferedImage portrait(int width, int height, int variant) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setPaint(new GradientPaint(0, 0, new Color(120, 170, 230), 0, height, new Color(230, 230, 240)));
        g.fillRect(0, 0, width, height);
        int side = Math.min(width, height);
        int x0 = (width - side) / 2;
        int y0 = (height - side) / 2;
        g.setColor(new Color(60 + variant * 20 % 120, 70, 110));
        g.fillRoundRect(x0 + side / 5, y0 + side * 2 / 3, side * 3 / 5, side / 2, side / 5, side / 5);
        g.setColor(new Color(225, 185, 150));
        g.fillOval(x0 + side / 3, y0 + side / 4, side / 3, side * 2 / 5);
        g.setColor(new Color(60, 40, 30));
        g.fillOval(x0 + side * 2 / 5, y0 + side * 2 / 5, side / 25, side / 25);
        g.fillOval(x0 + side * 14 / 25, y0 + side * 2 / 5, side / 25, side / 25);
        g.setColor(MARKER);
        g.fillRect(x0 + side / 50, y0 + side / 50, side / 5, side / 5);
        g.dispose();
        return image;
    }

    public static void writeJpeg(BufferedImage image, Path file, boolean progressive) throws IOException {
        Files.write(file, jpegBytes(image, progressive));
    }

    public static byte[] jpegBytes(BufferedImage image, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    public static void writePng(BufferedImage image, Path file) throws IOException {
        ImageIO.write(image, "png", file.toFile());
    }

    /**
     * A JPEG stored sideways with EXIF orientation 6 ("rotate 90 degrees clockwise to display") and a GPS
     * position, as phones write them. Displayed correctly, it is {@code display}.
     */
    public static void writeRotatedJpegWithGps(BufferedImage display, Path file) throws IOException {
        int w = display.getWidth();
        int h = display.getHeight();
        BufferedImage stored = new BufferedImage(h, w, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // displayed (x, y) comes from stored (y, w - 1 - x) once rotated clockwise
                stored.setRGB(y, w - 1 - x, display.getRGB(x, y));
            }
        }
        byte[] jpeg = jpegBytes(stored, false);
        byte[] app1 = exifWithOrientationAndGps(6);
        byte[] result = new byte[jpeg.length + app1.length];
        System.arraycopy(jpeg, 0, result, 0, 2);
        System.arraycopy(app1, 0, result, 2, app1.length);
        System.arraycopy(jpeg, 2, result, 2 + app1.length, jpeg.length - 2);
        Files.write(file, result);
    }

    /** A PNG whose header claims {@code width x height} pixels: a decompression bomb's calling card. */
    public static void writePngHeaderClaiming(int width, int height, Path file) throws IOException {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(png, "IHDR", ihdr.array());
        chunk(png, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(png, "IEND", new byte[0]);
        Files.write(file, png.toByteArray());
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        png.write(ByteBuffer.allocate(4).putInt(data.length).array());
        png.write(typeBytes);
        png.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        png.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** An APP1 segment: TIFF IFD0 with Orientation and a GPS IFD holding a latitude. */
    static byte[] exifWithOrientationAndGps(int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(92);
        tiff.put(new byte[] {'M', 'M', 0, 42}).putInt(8);
        tiff.putShort((short) 2);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(38);
        tiff.putInt(0);
        tiff.putShort((short) 2);
        tiff.putShort((short) 0x0001).putShort((short) 2).putInt(2).put(new byte[] {'N', 0, 0, 0});
        tiff.putShort((short) 0x0002).putShort((short) 5).putInt(3).putInt(68);
        tiff.putInt(0);
        tiff.putInt(52).putInt(1).putInt(31).putInt(1).putInt(0).putInt(1);
        byte[] header = "Exif\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer app1 = ByteBuffer.allocate(4 + header.length + tiff.capacity());
        app1.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + header.length + tiff.capacity()));
        app1.put(header).put(tiff.array());
        return app1.array();
    }

    /** Writes a set of {@code count} baseline JPEG portraits into {@code dir}. */
    public static void writeSet(Path dir, int count) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < count; i++) {
            writeJpeg(portrait(640, 800, i), dir.resolve(String.format("photo-%02d.jpg", i + 1)), false);
        }
    }

    /** Is the pixel at (x, y) the red marker, give or take compression? */
    public static boolean isMarker(BufferedImage image, int x, int y) {
        Color c = new Color(image.getRGB(x, y));
        return c.getRed() > 180 && c.getGreen() < 80 && c.getBlue() < 80;
    }
}
