package dev.dreamdrop.image;

import java.awt.Rectangle;
import java.util.List;

/** Where the square that becomes the 512x512 image is cut from a photo, in the photo's pixels as displayed. */
final class CropSquares {

    /**
     * Around each face, this many face widths of room in all, half on each side: the hair above and the chin
     * below stay in (the detector's box runs from the brows to the mouth's end).
     */
    private static final double ROOM = 1.6;

    private CropSquares() {
    }

    static Rectangle centre(int width, int height) {
        int side = Math.min(width, height);
        return new Rectangle((width - side) / 2, (height - side) / 2, side, side);
    }

    /**
     * The square around the largest face, or the two largest for a couple, with room around them, clamped to the
     * photo; at least {@code minSide} pixels when the photo allows (no upscaling of a small face), at most the
     * photo's shorter side. A couple too far apart for one square is cut around their middle.
     */
    static Rectangle around(List<Rectangle> faces, int people, int width, int height, int minSide) {
        Rectangle box = new Rectangle(faces.get(0));
        double faceSide = faces.get(0).width;
        if (people >= 2 && faces.size() >= 2) {
            box = box.union(faces.get(1));
            faceSide = (faces.get(0).width + faces.get(1).width) / 2.0;
        }
        int shorter = Math.min(width, height);
        int side = (int) Math.round(Math.max(box.width, box.height) + ROOM * faceSide);
        side = Math.min(Math.max(side, Math.min(minSide, shorter)), shorter);
        int x = clamp((int) Math.round(box.getCenterX() - side / 2.0), width - side);
        int y = clamp((int) Math.round(box.getCenterY() - side / 2.0), height - side);
        return new Rectangle(x, y, side, side);
    }

    private static int clamp(int value, int max) {
        return Math.max(0, Math.min(value, max));
    }
}
