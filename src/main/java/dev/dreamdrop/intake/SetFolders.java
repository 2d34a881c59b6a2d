package dev.dreamdrop.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where a folder set lives at each stage (inbox, archive, failed), and the moves between them. */
public class SetFolders {

    private final Path inbox;
    private final Path archive;
    private final Path failed;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SetFolders(Path inbox, Path archive, Path failed) {
        this.inbox = inbox;
        this.archive = archive;
        this.failed = failed;
    }

    public Path inbox() {
        return inbox;
    }

    public Path inInbox(String setName) {
        return inbox.resolve(setName);
    }

    /** Moves a set from the inbox to the archive; returns where it went (null if it was not in the inbox). */
    public Path archive(String setName) {
        return move(inInbox(setName), archive, setName);
    }

    /** Moves a set from the inbox to the failed folder, with its errors.json; returns where it went. */
    public Path reject(String setName, List<SetProblem> problems) {
        return reject(inInbox(setName), setName, problems);
    }

    /** Moves a set from wherever it is (e.g. the archive, after a failed submission) to the failed folder. */
    public Path reject(Path setDir, String setName, List<SetProblem> problems) {
        Path to = move(setDir, failed, setName);
        if (to != null) {
            writeErrors(to, setName, problems);
        }
        return to;
    }

    private void writeErrors(Path setDir, String setName, List<SetProblem> problems) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("set", setName);
        report.put("rejected_at", Instant.now().toString());
        report.put("errors", problems);
        try {
            Path temp = setDir.resolve("errors.json.tmp");
            json.writeValue(temp.toFile(), report);
            Files.move(temp, setDir.resolve("errors.json"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write errors.json for set " + setName, e);
        }
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
