package dev.dreamdrop.journal;

/**
 * Something about a set's photos worth knowing before its training: a warning, not a reason to reject.
 *
 * @param file the photo it is about, or null for the set as a whole
 */
public record PhotoWarning(String file, String warning) {
}
