package dev.dreamdrop.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.retention.JobPhotos;
import dev.dreamdrop.storage.LocalFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Where a folder set lives at each stage (inbox, archive, failed), and the moves between them. */
public class SetFolders implements SetSource {

    private final Path inbox;
    private final Path archive;
    private final Path failed;
    private final Journal journal;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Where each job's set was archived, when an older set of the same name made it differ from the name. */
    private final Map<String, Path> archived = RecentMoves.create();
    private final JobPhotos photos;

    public SetFolders(Path inbox, Path archive, Path failed, Journal journal, JobPhotos photos) {
        this.inbox = inbox;
        this.archive = archive;
        this.failed = failed;
        this.journal = journal;
        this.photos = photos;
    }

    public Path inbox() {
        return inbox;
    }

    public Path inInbox(String setName) {
        return inbox.resolve(setName);
    }

    @Override
    public Path localCopy(Job job) {
        Path dir = inInbox(job.setName());
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? dir : null;
    }

    @Override
    public void archive(Job job) {
        Path to = move(inInbox(job.setName()), archive, job.setName());
        if (to != null) {
            archived.put(job.id(), to);
            photos.at(job.id(), to.toString());
        }
        journal.markMoved(job.id());
    }

    /** Moves the set from the inbox, or from the archive after a failed submission, to the failed folder. */
    @Override
    public void reject(Job job, List<SetProblem> problems) {
        Path from = Files.isDirectory(inInbox(job.setName())) ? inInbox(job.setName())
                : archived.getOrDefault(job.id(), archive.resolve(job.setName()));
        Path to = move(from, failed, job.setName());
        if (to != null) {
            writeErrors(to, job.setName(), problems);
            photos.at(job.id(), to.toString());
        }
        archived.remove(job.id());
        journal.markMoved(job.id());
    }

    @Override
    public boolean restore(Job job) {
        for (Path candidate : List.of(failed.resolve(job.setName()),
                archived.getOrDefault(job.id(), archive.resolve(job.setName())))) {
            if (Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS) && !Files.exists(inInbox(job.setName()))) {
                try {
                    Files.deleteIfExists(candidate.resolve("errors.json"));
                    Files.move(candidate, inInbox(job.setName()), StandardCopyOption.ATOMIC_MOVE);
                    photos.gone(job.id());
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot move set " + job.setName() + " back to the inbox", e);
                }
            }
        }
        return false;
    }

    @Override
    public void deletePhotos(Job job, String location, boolean wholeSet) {
        Path dir = Path.of(location);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (wholeSet) {
            Path where = dir.toAbsolutePath().normalize();
            if (!where.startsWith(archive.toAbsolutePath().normalize())
                    && !where.startsWith(failed.toAbsolutePath().normalize())) {
                throw new IllegalStateException("set " + job.setName() + " is recorded at " + dir + ", which is in"
                        + " neither the archive nor the failed folder; not deleted");
            }
            LocalFiles.deleteTree(dir);
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                if (!KEPT_FILES.contains(file.getFileName().toString())
                        && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the photos of set " + job.setName() + " in " + dir, e);
        }
    }

    /** Writes errors.json into a set's folder. */
    private void writeErrors(Path setDir, String setName, List<SetProblem> problems) {
        try {
            Path temp = setDir.resolve("errors.json.tmp");
            json.writeValue(temp.toFile(), errorReport(setName, problems));
            Files.move(temp, setDir.resolve("errors.json"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write errors.json for set " + setName, e);
        }
    }

    /** The errors.json document: the set, when, and every problem. */
    public static Map<String, Object> errorReport(String setName, List<SetProblem> problems) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("set", setName);
        report.put("rejected_at", Instant.now().toString());
        report.put("errors", problems);
        return report;
    }

    /** A rename within one file system: a set is never half-moved. An older set of the same name is kept. */
    private static Path move(Path from, Path toParent, String setName) {
        if (from == null || !Files.isDirectory(from)) {
            return null;
        }
        try {
            Files.createDirectories(toParent);
            Path to = toParent.resolve(setName);
            for (int n = 2; Files.exists(to); n++) {
                to = toParent.resolve(setName + "." + n);
            }
            return Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move set " + setName + " to " + toParent, e);
        }
    }
}
