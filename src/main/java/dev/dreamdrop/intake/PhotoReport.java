package dev.dreamdrop.intake;

import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.journal.PhotoWarning;

import java.util.ArrayList;
import java.util.List;

/**
 * What a person set's photos look like to the trainer, before any credit is spent, as the hosted trainers'
 * photo checks tell it: a photo without a face, a second person in a one-person set, a face too small to learn
 * from. Warnings, not rejections: the set is trained, and the person hears of them (status.json, dashboard,
 * the first email).
 */
final class PhotoReport {

    /** A face narrower than this in the 512x512 image leaves the trainer few pixels of it. */
    static final int SMALL_FACE = 96;

    private final boolean onePerson;
    private final List<PhotoWarning> warnings = new ArrayList<>();
    private int looked;
    private int withFace;

    /** @param trainingType the set's training_type; men, female and women are sets of one person */
    PhotoReport(String trainingType) {
        this.onePerson = trainingType != null && List.of("men", "female", "women").contains(trainingType);
    }

    void add(String file, ImagePreparer.Prepared photo) {
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
