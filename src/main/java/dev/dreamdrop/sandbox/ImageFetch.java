package dev.dreamdrop.sandbox;

/** One image link the sandbox downloaded for a training, and what it found there. */
public record ImageFetch(String trainingId, String url, int httpStatus, int width, int height, String error) {

    public boolean isUsable() {
        return error == null && width == 512 && height == 512;
    }
}
