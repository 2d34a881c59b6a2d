package dev.dreamdrop.intake;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Watches the inbox folder for sets that are ready (a {@code READY} file, or nothing changed for the quiet
 * period) and claims each in the journal, once.
 */
public class FolderInbox {

    public static final String SOURCE = "folder";
    public static final String READY_FILE = "READY";
    private static final Logger LOG = LoggerFactory.getLogger(FolderInbox.class);

    private final SetFolders folders;
    private final Journal journal;
    private final Duration quietPeriod;
    private final boolean enabled;

    /** @param enabled whether folder intake is on ({@code dreamdrop.intake}) */
    public FolderInbox(SetFolders folders, Journal journal, Duration quietPeriod, boolean enabled) {
        this.folders = folders;
        this.journal = journal;
        this.quietPeriod = quietPeriod;
        this.enabled = enabled;
    }

    /**
     * Claims every ready set in the inbox. One scan at a time: the periodic scan and one asked for by a file system
     * event may come together.
     *
     * @return ids of the jobs to prepare and submit
     */
    public synchronized List<String> claimReadySets() {
        List<String> jobIds = new ArrayList<>();
        if (!enabled) {
            return jobIds;
        }
        try {
            Files.createDirectories(folders.inbox());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the inbox folder " + folders.inbox(), e);
        }
        try (Stream<Path> entries = Files.list(folders.inbox())) {
            for (Path dir : entries.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                        || journal.isActive(SOURCE, name) || !isReady(dir)) {
                    continue;
                }
                Job earlier = journal.unfinishedMove(SOURCE, name).orElse(null);
                if (earlier != null) {
                    LOG.warn("Set {} is still in the inbox although job {} took it ({}); finishing its move", name,
                            earlier.id(), earlier.status());
                    finishMove(earlier);
                    continue;
                }
                journal.claim(SOURCE, name, fingerprint(dir)).ifPresent(job -> {
                    LOG.info("Set {} claimed as job {}", name, job.id());
                    jobIds.add(job.id());
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the inbox folder " + folders.inbox(), e);
        }
        return jobIds;
    }

    private void finishMove(Job job) {
        if (TrainingStatus.REJECTED.equals(job.status())
                || TrainingStatus.FAILED.equals(job.status()) && job.trainingId() == null) {
            folders.reject(job, List.of(SetProblem.ofSet(job.error() == null ? job.status() : job.error())));
        } else {
            folders.archive(job);
        }
    }

    boolean isReady(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(READY_FILE), LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        Instant latest = Files.getLastModifiedTime(dir).toInstant();
        boolean hasFiles = false;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                hasFiles |= attributes.isRegularFile();
                Instant modified = attributes.lastModifiedTime().toInstant();
                latest = modified.isAfter(latest) ? modified : latest;
            }
        }
        return hasFiles && latest.plus(quietPeriod).isBefore(Instant.now());
    }

    /** Names, sizes and times of the set's files: tells one drop of a set from another. */
    static String fingerprint(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                digest.update((file.getFileName() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
