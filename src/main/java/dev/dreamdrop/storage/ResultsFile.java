package dev.dreamdrop.storage;

/**
 * A file of a job's results written once, not rendered at each change: a sample image, the contact sheet.
 *
 * @param path relative to the job's results folder, e.g. {@code samples/01.png} or {@code photos.jpg}
 */
public record ResultsFile(String jobId, String setName, String path, byte[] content, String contentType) {
}
