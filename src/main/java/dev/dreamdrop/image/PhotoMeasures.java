package dev.dreamdrop.image;

import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * What the photo check measures on a prepared photo, in Java (no OpenCV needed): sharpness, brightness, and a tiny
 * picture of the whole photo to tell the same photo sent twice.
 */
public final class PhotoMeasures {

    /** The look of a photo is this many cells a side, RGB. */
    static final int LOOK_SIDE = 16;

    private PhotoMeasures() {
    }

    /**
     * How sharp and how bright a region of a prepared photo is.
     *
     * @param sharpness  the variance of the Laplacian of its grey levels: on a 512x512 crop, sharp photos of people
     *                   measure in the hundreds; out of focus or shaken, under 10
     * @param brightness the mean grey level, 0 (black) to 255 (white)
     */
    public record Exposure(double sharpness, double brightness) {
    }

    /** Measures {@code region} of {@code image}, a prepared photo (three bands, red, green and blue). */
    public static Exposure measure(BufferedImage image, Rectangle region) {
        int w = region.width;
        int h = region.height;
        if (image.getRaster().getNumBands() != 3) {
            throw new IllegalArgumentException("a prepared photo has three bands, not " + image.getRaster().getNumBands());
        }
        // the raster's samples, red, green and blue for either layout of a prepared photo: no colour model per pixel
        int[] rgb = image.getRaster().getPixels(region.x, region.y, w, h, (int[]) null);
        float[] grey = new float[w * h];
        double total = 0;
        for (int i = 0; i < grey.length; i++) {
            grey[i] = 0.299f * rgb[3 * i] + 0.587f * rgb[3 * i + 1] + 0.114f * rgb[3 * i + 2];
            total += grey[i];
        }
        double sum = 0;
        double squares = 0;
        int n = 0;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                double laplacian = grey[(y - 1) * w + x] + grey[(y + 1) * w + x] + grey[y * w + x - 1]
                        + grey[y * w + x + 1] - 4 * grey[y * w + x];
                sum += laplacian;
                squares += laplacian * laplacian;
                n++;
            }
        }
        double mean = n == 0 ? 0 : sum / n;
        return new Exposure(n == 0 ? 0 : squares / n - mean * mean, grey.length == 0 ? 0 : total / grey.length);
    }

    /** A photo's look when only its crop was decoded (no OpenCV): the crop, averaged down. */
    static byte[] look(BufferedImage image) {
        BufferedImage small = new BufferedImage(LOOK_SIDE, LOOK_SIDE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(image.getScaledInstance(LOOK_SIDE, LOOK_SIDE, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
        g.dispose();
        byte[] look = new byte[LOOK_SIDE * LOOK_SIDE * 3];
        for (int i = 0; i < LOOK_SIDE * LOOK_SIDE; i++) {
            int p = small.getRGB(i % LOOK_SIDE, i / LOOK_SIDE);
            look[3 * i] = (byte) (p >> 16);
            look[3 * i + 1] = (byte) (p >> 8);
            look[3 * i + 2] = (byte) p;
        }
        return look;
    }

    /**
     * How different two photos look: of the cells of their looks, the difference (largest of the three colours,
     * 0-255) that 95% of the cells stay within. The same photo resized or recompressed stays within a few levels;
     * another photo, even of the same person in the same place, differs by tens in many cells.
     */
    public static int difference(byte[] a, byte[] b) {
        int cells = a.length / 3;
        int[] differences = new int[cells];
        for (int i = 0; i < cells; i++) {
            int most = 0;
            for (int c = 0; c < 3; c++) {
                most = Math.max(most, Math.abs((a[3 * i + c] & 0xff) - (b[3 * i + c] & 0xff)));
            }
            differences[i] = most;
        }
        Arrays.sort(differences);
        return differences[(int) Math.ceil(cells * 0.95) - 1];
    }
}
