package dev.dreamdrop.storage;

import dev.dreamdrop.journal.StatusChange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The folder storage sink: {@code <storage>/<set>/status.json}, {@code events.jsonl} and {@code request.json} of the
 * set's latest job, and each job's in {@code <storage>/<set>/jobs/<job id>/}.
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
            Path dir = folder.jobFolder() == null ? root.resolve(folder.setName())
                    : root.resolve(folder.setName()).resolve(folder.jobFolder());
            try {
                Files.createDirectories(dir);
                for (Map.Entry<String, String> document : rendered.entrySet()) {
                    Path file = dir.resolve(document.getKey());
                    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
                    Files.writeString(temp, document.getValue(), StandardCharsets.UTF_8);
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write results of set " + folder.setName(), e);
            }
        });
    }
}
