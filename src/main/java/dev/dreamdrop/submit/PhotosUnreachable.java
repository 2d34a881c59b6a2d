package dev.dreamdrop.submit;

/**
 * The check before a training request found a photo link the training API could not fetch (or a webhook URL that
 * does not reach DreamDrop): thrown for Camel to redeliver the attempt after a backoff, for as long as it takes
 * (routes/error-handling.camel.yaml). Nothing is sent to the API meanwhile.
 */
public class PhotosUnreachable extends RuntimeException {

    public PhotosUnreachable(String problem) {
        super(problem, null, false, false);
    }
}
