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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The results of one set as the sinks store them, always rendered whole from the journal: {@code status.json},
 * {@code events.jsonl} and {@code request.json} (the key already masked in the journal).
 */
public class ResultsDocuments {

    private final Journal journal;
    private final ObjectMapper json = new ObjectMapper();

    public ResultsDocuments(Journal journal) {
        this.journal = journal;
    }

    public Job job(String jobId) {
        return journal.find(jobId).orElseThrow();
    }

    /** File name to content, in the order they should be written (status.json last). */
    public Map<String, String> render(Job job) {
        try {
            Map<String, String> documents = new LinkedHashMap<>();
            StringBuilder events = new StringBuilder();
            for (StatusChange event : journal.events(job.id())) {
                events.append(json.writeValueAsString(eventLine(job, event))).append('\n');
            }
            documents.put("events.jsonl", events.toString());
            if (job.requestJson() != null) {
                JsonNode request = json.readTree(job.requestJson());
                documents.put("request.json", json.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(request));
            }
            documents.put("status.json", json.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(status(job)));
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the results of set " + job.setName(), e);
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
}
