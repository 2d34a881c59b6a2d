package dev.dreamdrop.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.PhotoWarning;
import dev.dreamdrop.journal.StatusChange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The results of one set as the sinks store them, always rendered whole from the journal: {@code status.json},
 * {@code events.jsonl} and {@code request.json} (the key already masked in the journal), for each job in its own
 * folder, and for the latest job of a set name also in the set's folder.
 */
public class ResultsDocuments {

    private final Journal journal;
    private final ObjectMapper json = new ObjectMapper();
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    /** Per unfinished job, the last journal event its stored results hold. */
    private final ConcurrentHashMap<String, Long> storedUpTo = new ConcurrentHashMap<>();

    public ResultsDocuments(Journal journal) {
        this.journal = journal;
    }

    /**
     * Renders the results of the change's job and hands them to {@code writer}, unless a render already stored
     * holds this change: under a burst of events for one job (duplicated webhooks), one render serves them all.
     * One set's results are rendered and written by one thread at a time, so an older render never overwrites a
     * newer one, in this instance or, through the check after each write, in another replica.
     */
    public void store(StatusChange change, BiConsumer<ResultsFolder, Map<String, String>> writer) {
        if (alreadyStored(change)) {
            return;
        }
        synchronized (locks.computeIfAbsent(change.setName(), name -> new Object())) {
            if (alreadyStored(change)) {
                return;
            }
            Job job;
            long upTo;
            do {
                List<StatusChange> events = journal.events(change.jobId());
                // read after the events, so the status is at least as new as the last event rendered
                job = journal.find(change.jobId()).orElseThrow();
                Map<String, String> rendered = render(job, events);
                writer.accept(new ResultsFolder(job.setName(), ResultsFolder.JOBS + "/" + job.id()), rendered);
                if (isLatestOfItsSet(job)) {
                    writer.accept(new ResultsFolder(job.setName(), null), rendered);
                }
                upTo = events.isEmpty() ? 0 : events.get(events.size() - 1).eventId();
                // another replica may have stored a newer render just before this one: whoever writes last
                // sees that the journal moved on, and writes again
            } while (journal.lastEventId(job.id()) > upTo);
            if (TrainingStatus.isTerminal(job.status())) {
                storedUpTo.remove(job.id());
            } else {
                storedUpTo.merge(job.id(), upTo, Math::max);
            }
        }
    }

    /**
     * Where a job's results go, relative to the sink's root: {@code <set>/jobs/<job id>/} always, so that no job
     * overwrites another's, and {@code <set>/} while it is the set's latest job.
     *
     * @param jobFolder {@code jobs/<job id>}, or null for the set's own folder
     */
    public record ResultsFolder(String setName, String jobFolder) {
        public static final String JOBS = "jobs";
    }

    /** Renders of one set name run one at a time (the lock above), so a newer job's claim is seen here. */
    private boolean isLatestOfItsSet(Job job) {
        return journal.latestJob(job.source(), job.setName()).map(latest -> latest.id().equals(job.id()))
                .orElse(true);
    }

    private boolean alreadyStored(StatusChange change) {
        return change.eventId() > 0 && storedUpTo.getOrDefault(change.jobId(), 0L) >= change.eventId();
    }

    /** File name to content, in the order they should be written (status.json last). */
    private Map<String, String> render(Job job, List<StatusChange> journalled) {
        try {
            Map<String, String> documents = new LinkedHashMap<>();
            StringBuilder events = new StringBuilder();
            for (StatusChange event : journalled) {
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
        List<PhotoWarning> warnings = journal.photoWarnings(job.id());
        if (!warnings.isEmpty()) {
            status.set("photo_warnings", json.valueToTree(warnings));
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
