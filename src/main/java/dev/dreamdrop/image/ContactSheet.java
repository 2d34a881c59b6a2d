package dev.dreamdrop.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The crops of a set exactly as they were sent, side by side: four to a row, each labelled with its file name, a
 * photo with a warning framed in orange and marked with a "!". People would rather look than read.
 */
public final class ContactSheet {

    static final int TILE = 192;
    static final int COLUMNS = 4;
    private static final int LABEL = 22;
    private static final int GAP = 8;
    private static final Color WARNED = new Color(230, 140, 0);

    private ContactSheet() {
    }

    /** One crop sent, at the sheet's size ({@link #shrink}), its file name, and whether the photo check warned about it. */
    public record Tile(BufferedImage crop, String file, boolean warned) {

        /**
         * A 512x512 crop shrunk to a tile's size, as soon as it is prepared: a set's sheet holds a few small images,
         * not its crops.
         */
        public static BufferedImage shrink(BufferedImage crop) {
            BufferedImage small = new BufferedImage(TILE, TILE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = small.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(crop, 0, 0, TILE, TILE, null);
            g.dispose();
            return small;
        }
    }

    /** The sheet as a JPEG. */
    public static byte[] jpeg(List<Tile> tiles) {
        int columns = Math.min(COLUMNS, Math.max(1, tiles.size()));
        int rows = (tiles.size() + COLUMNS - 1) / COLUMNS;
        BufferedImage sheet = new BufferedImage(GAP + columns * (TILE + GAP), GAP + Math.max(1, rows)
                * (TILE + LABEL + GAP), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        for (int i = 0; i < tiles.size(); i++) {
            Tile tile = tiles.get(i);
            int x = GAP + (i % COLUMNS) * (TILE + GAP);
            int y = GAP + (i / COLUMNS) * (TILE + LABEL + GAP);
            g.drawImage(tile.crop(), x, y, TILE, TILE, null);
            if (tile.warned()) {
                g.setColor(WARNED);
                g.setStroke(new BasicStroke(4));
                g.drawRect(x + 2, y + 2, TILE - 4, TILE - 4);
            }
            label(g, (tile.warned() ? "! " : "") + tile.file(), x, y + TILE, tile.warned());
        }
        g.dispose();
        return encode(sheet);
    }

    /** The file name under its tile, shortened to fit; nothing on a machine without fonts. */
    private static void label(Graphics2D g, String text, int x, int y, boolean warned) {
        try {
            g.setFont(new Font(Font.SANS_SERIF, warned ? Font.BOLD : Font.PLAIN, 12));
            g.setColor(warned ? WARNED : Color.DARK_GRAY);
            FontMetrics metrics = g.getFontMetrics();
            String shown = text;
            while (shown.length() > 4 && metrics.stringWidth(shown) > TILE) {
                shown = shown.substring(0, shown.length() - 4) + "...";
            }
            g.drawString(shown, x, y + 16);
        } catch (RuntimeException | InternalError e) {
            // a headless machine without fonts: the sheet without its labels
        }
    }

    private static byte[] encode(BufferedImage sheet) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.85f);
            writer.write(null, new IIOImage(sheet, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the contact sheet", e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
