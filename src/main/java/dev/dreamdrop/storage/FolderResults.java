package dev.dreamdrop.storage;

import dev.dreamdrop.journal.StatusChange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The folder storage sink: {@code <storage>/<set>/status.json}, {@code events.jsonl}, {@code request.json},
 * {@code model.json}, {@code photos.jpg} and {@code samples/} of the set's latest job, and each job's in {@code <storage>/<set>/jobs/<job
 * id>/}.
 * Each file is rewritten whole from the journal and swapped in atomically, so events that arrive close
 * together, or a restart, can never leave the files disagreeing with the journal or with each other.
 */
public class FolderResults {

    private final Path root;
    private final ResultsDocuments documents;

    public FolderResults(Path root, ResultsDocuments documents) {
        this.root = root;
        this.documents = documents;
    }

    public void write(StatusChange change) {
        documents.store(change, (folder, rendered) -> {
            for (Map.Entry<String, String> document : rendered.entrySet()) {
                write(folder, document.getKey(), document.getValue().getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    /** See {@link ResultsDocuments#removeFile}. */
    public void removeFile(String jobId, String path) {
        documents.removeFile(jobId, path, this::remove);
    }

    /** See {@link ResultsDocuments#removeEarlierJobsFiles}. */
    public void removeEarlierJobsFiles(String jobId) {
        documents.removeEarlierJobsFiles(jobId, this::remove);
    }

    /**
     * See {@link ResultsDocuments#removeJob}: the set's folder keeps its {@code jobs/}, and goes too when nothing is
     * left in it.
     */
    public void removeJob(String jobId) {
        documents.removeJob(jobId, folder -> {
            Path dir = dirOf(folder);
            if (folder.jobFolder() != null || !Files.isDirectory(dir)) {
                LocalFiles.deleteTree(dir);
                deleteIfEmpty(dir.getParent());
                deleteIfEmpty(dir.getParent().getParent());
                return;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                entries.filter(entry -> !entry.getFileName().toString().equals(ResultsDocuments.ResultsFolder.JOBS))
                        .forEach(LocalFiles::deleteTree);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the results of set " + folder.setName(), e);
            }
            deleteIfEmpty(dir);
        });
    }

    public void writeFile(ResultsFile file) {
        documents.storeFile(file, (folder, path, content, type) -> write(folder, path, content));
    }

    private void write(ResultsDocuments.ResultsFolder folder, String path, byte[] content) {
        Path file = dirOf(folder).resolve(path);
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temp, content);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results of set " + folder.setName(), e);
        }
    }

    private void remove(ResultsDocuments.ResultsFolder folder, String path) {
        try {
            Files.deleteIfExists(dirOf(folder).resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + path + " from the results of set " + folder.setName(), e);
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException stays) {
            // another job's results are there
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    private Path dirOf(ResultsDocuments.ResultsFolder folder) {
        return folder.jobFolder() == null ? root.resolve(folder.setName())
                : root.resolve(folder.setName()).resolve(folder.jobFolder());
    }
}
