package dev.dreamdrop.intake;

import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.image.PhotoMeasures;
import dev.dreamdrop.journal.PhotoWarning;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a set's photos look like to the trainer, before any credit is spent, as the hosted trainers' photo checks
 * tell it: a blurred or badly exposed photo, the same photo twice (from the phone and again from a messenger), and
 * for a person set a photo without a face, a second person in a one-person set, a face too small to learn from.
 * Warnings, not rejections: the set is trained, and the person hears of them (status.json, dashboard, the first
 * email, the contact sheet). Sharpness and brightness are measured on the face when there is one, else on the whole
 * crop sent.
 */
final class PhotoReport {

    /** A face narrower than this in the 512x512 image leaves the trainer few pixels of it. */
    static final int SMALL_FACE = 96;

    /**
     * The photo check's thresholds (dreamdrop.images.*).
     *
     * @param blurBelow   sharpness (variance of the Laplacian on the 512x512 crop) below which a photo is blurred
     * @param darkBelow   mean grey level (0-255) below which it is too dark
     * @param brightAbove mean grey level above which it is washed out
     * @param sameWithin  difference ({@link PhotoMeasures#difference}) within which two photos are the same photo
     */
    record Thresholds(double blurBelow, double darkBelow, double brightAbove, int sameWithin) {
    }

    private record Seen(String file, byte[] look) {
    }

    private final boolean onePerson;
    private final Thresholds thresholds;
    private final List<PhotoWarning> warnings = new ArrayList<>();
    private final List<Seen> seen = new ArrayList<>();
    private int looked;
    private int withFace;

    /** @param trainingType the set's training_type; men, female and women are sets of one person */
    PhotoReport(String trainingType, Thresholds thresholds) {
        this.onePerson = trainingType != null && List.of("men", "female", "women").contains(trainingType);
        this.thresholds = thresholds;
    }

    /** @return whether the photo got a warning (it is marked on the contact sheet) */
    boolean add(String file, ImagePreparer.Prepared photo) {
        int before = warnings.size();
        checkQuality(file, photo);
        checkFaces(file, photo);
        return warnings.size() > before;
    }

    private void checkQuality(String file, ImagePreparer.Prepared photo) {
        Rectangle region = photo.face() != null && photo.face().width >= 16 ? photo.face()
                : new Rectangle(0, 0, photo.image().getWidth(), photo.image().getHeight());
        String where = photo.face() != null ? "on the face" : "on the photo";
        PhotoMeasures.Exposure exposure = PhotoMeasures.measure(photo.image(), region);
        double sharpness = exposure.sharpness();
        if (sharpness < thresholds.blurBelow()) {
            warnings.add(new PhotoWarning(file, String.format(Locale.ROOT, "looks blurred (sharpness %.0f %s, below"
                    + " %.0f): out of focus or shaken; a sharp photo teaches the model more", sharpness, where,
                    thresholds.blurBelow())));
        }
        double brightness = exposure.brightness();
        if (brightness < thresholds.darkBelow()) {
            warnings.add(new PhotoWarning(file, String.format(Locale.ROOT, "is too dark (brightness %.0f of 255 %s):"
                    + " details are lost in the shadows; a photo in better light helps", brightness, where)));
        } else if (brightness > thresholds.brightAbove()) {
            warnings.add(new PhotoWarning(file, String.format(Locale.ROOT, "is washed out (brightness %.0f of 255"
                    + " %s): details are lost in the highlights; a photo with less light or flash helps", brightness,
                    where)));
        }
        for (Seen earlier : seen) {
            if (PhotoMeasures.difference(earlier.look(), photo.look()) <= thresholds.sameWithin()) {
                warnings.add(new PhotoWarning(file, "looks like the same photo as " + earlier.file() + " (resized or"
                        + " recompressed): keep one of them; another photo teaches the model more"));
                break;
            }
        }
        seen.add(new Seen(file, photo.look()));
    }

    private void checkFaces(String file, ImagePreparer.Prepared photo) {
        if (photo.faces() < 0) {
            return;
        }
        looked++;
        if (photo.faces() == 0) {
            warnings.add(new PhotoWarning(file, "no face found: cut at the centre; a photo of the face helps the"
                    + " training most"));
            return;
        }
        withFace++;
        if (onePerson && photo.faces() > 1) {
            warnings.add(new PhotoWarning(file, photo.faces() + " faces in a set of one person: cut around the"
                    + " largest; the others may blend into the model"));
        }
        if (photo.faceWidthInResult() < SMALL_FACE) {
            warnings.add(new PhotoWarning(file, "the face is small (" + photo.faceWidthInResult() + " of 512"
                    + " pixels): a closer photo gives the training more of it"));
        }
    }

    List<PhotoWarning> warnings() {
        List<PhotoWarning> all = new ArrayList<>(warnings);
        if (looked > 0 && withFace == 0) {
            all.add(0, new PhotoWarning(null, "no photo of this set shows a face: is it a person set (training_type"
                    + " null is for objects and styles)? The photos were cut at the centre"));
        }
        return all;
    }
}
