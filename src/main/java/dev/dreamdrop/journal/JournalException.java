package dev.dreamdrop.journal;

/** The journal could not be read or written; the caller's work must not go on as if it had been. */
public class JournalException extends RuntimeException {

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
