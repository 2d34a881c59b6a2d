package dev.dreamdrop.image;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.storage.LocalFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The prepared 512x512 images of each job, and the links the training API downloads them from. A link works
 * only while the training may still need it: until the job ends, and never longer than the link lifetime.
 */
public class PreparedImages implements ImageHosting {

    private static final Pattern FILE_NAME = Pattern.compile("\\d{2,3}\\.jpg");

    private final Path root;
    private final Journal journal;
    private final Duration linkLifetime;
    private final String publicUrl;

    /** @param publicUrl where the training API reaches DreamDrop's public HTTP server */
    public PreparedImages(Path root, Journal journal, Duration linkLifetime, String publicUrl) {
        this.root = root;
        this.journal = journal;
        this.linkLifetime = linkLifetime;
        this.publicUrl = publicUrl;
    }

    public static String fileName(int index) {
        return String.format("%02d.jpg", index + 1);
    }

    /** The job's folder of prepared images, created empty. */
    public Path directoryFor(String jobId) {
        Path dir = root.resolve(jobId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return dir;
    }

    /** The prepared image number {@code index} of a job. */
    public Path file(String jobId, int index) {
        return root.resolve(jobId).resolve(fileName(index));
    }

    /** Self-hosting: the links of a job's prepared images on DreamDrop's own public HTTP server. */
    @Override
    public List<String> publish(Job job, int imageCount) {
        List<String> links = new ArrayList<>();
        for (int i = 0; i < imageCount; i++) {
            links.add(publicUrl + "/images/" + job.imageToken() + "/" + fileName(i));
        }
        return links;
    }

    /** The bytes behind an image link, or null when the link is unknown, expired or no longer needed. */
    public byte[] serve(String token, String fileName) {
        if (token == null || fileName == null || !FILE_NAME.matcher(fileName).matches()) {
            return null;
        }
        Job job = journal.findByImageToken(token).orElse(null);
        if (job == null || TrainingStatus.isTerminal(job.status())
                || job.createdAt().plus(linkLifetime).isBefore(Instant.now())) {
            return null;
        }
        Path file = root.resolve(job.id()).resolve(fileName);
        try {
            return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes a job's prepared images once no training can need them. */
    @Override
    public void discard(String jobId) {
        LocalFiles.deleteTree(root.resolve(jobId));
    }
}
