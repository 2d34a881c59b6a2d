package dev.dreamdrop.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The folder storage sink: {@code <storage>/<set>/status.json}, {@code events.jsonl} and {@code request.json}.
 * Each file is rewritten whole from the journal and swapped in atomically, so events that arrive close
 * together, or a restart, can never leave the files disagreeing with the journal or with each other.
 */
public class FolderResults {

    private final Path root;
    private final Journal journal;
    private final ObjectMapper json = new ObjectMapper();
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    public FolderResults(Path root, Journal journal) {
        this.root = root;
        this.journal = journal;
    }

    public void write(StatusChange change) {
        Job job = journal.find(change.jobId()).orElseThrow();
        synchronized (locks.computeIfAbsent(job.setName(), name -> new Object())) {
            Path dir = root.resolve(job.setName());
            try {
                Files.createDirectories(dir);
                StringBuilder events = new StringBuilder();
                for (StatusChange event : journal.events(job.id())) {
                    events.append(json.writeValueAsString(eventLine(job, event))).append('\n');
                }
                replace(dir.resolve("events.jsonl"), events.toString());
                if (job.requestJson() != null) {
                    JsonNode request = json.readTree(job.requestJson());
                    replace(dir.resolve("request.json"),
                            json.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(request));
                }
                replace(dir.resolve("status.json"),
                        json.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status(job)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write results of set " + job.setName(), e);
            }
        }
    }

    private ObjectNode status(Job job) {
        ObjectNode status = json.createObjectNode()
                .put("set", job.setName())
                .put("job_id", job.id())
                .put("training_id", job.trainingId())
                .put("status", job.status())
                .put("step", TrainingStatus.step(job.status()))
                .put("steps", TrainingStatus.TRAINING_STEPS.size())
                .put("updated", job.updatedAt().toString())
                .put("created", job.createdAt().toString());
        if (job.error() != null) {
            status.put("error", job.error());
        }
        return status;
    }

    private ObjectNode eventLine(Job job, StatusChange event) {
        return json.createObjectNode()
                .put("at", event.at().toString())
                .put("job_id", job.id())
                .put("status", event.status())
                .put("source", event.source())
                .put("applied", event.applied())
                .put("detail", event.detail());
    }

    private static void replace(Path file, String content) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
