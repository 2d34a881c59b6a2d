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
import dev.dreamdrop.samples.Sample;
import dev.dreamdrop.samples.SampleDocuments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The results of one set as the sinks store them, always rendered whole from the journal: {@code status.json},
 * {@code events.jsonl} and {@code request.json} (the key already masked in the journal), {@code model.json} once the
 * model's samples are planned, for each job in its own folder, and for the latest job of a set name also in the set's
 * folder. Sample images and the contact sheet are written once each ({@link ResultsFile}), to the same folders.
 */
public class ResultsDocuments {

    private final Journal journal;
    private final SampleDocuments samples;
    private final ObjectMapper json = new ObjectMapper();
    static final String MODEL = "model.json";
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
    /** Per unfinished job, the last journal event its stored results hold. */
    private final ConcurrentHashMap<String, Long> storedUpTo = new ConcurrentHashMap<>();
    private final Predicate<String> erased;

    /** @param erased whether a job's results were erased (or are being): they are never written again */
    public ResultsDocuments(Journal journal, SampleDocuments samples, Predicate<String> erased) {
        this.journal = journal;
        this.samples = samples;
        this.erased = erased;
    }

    /** Writes one file of a job's results: its folder, its path in it, the content and its media type. */
    public interface FileWriter {
        void write(ResultsFolder folder, String path, byte[] content, String contentType);
    }

    /** Writes a file of a job's results into the job's folder, and the set's while the job is its latest. */
    public void storeFile(ResultsFile file, FileWriter writer) {
        synchronized (locks.computeIfAbsent(file.setName(), name -> new Object())) {
            if (erased.test(file.jobId())) {
                return;
            }
            Job job = journal.find(file.jobId()).orElseThrow();
            writer.write(new ResultsFolder(job.setName(), ResultsFolder.JOBS + "/" + job.id()), file.path(),
                    file.content(), file.contentType());
            if (isLatestOfItsSet(job)) {
                writer.write(new ResultsFolder(job.setName(), null), file.path(), file.content(), file.contentType());
            }
        }
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
            if (alreadyStored(change) || erased.test(change.jobId())) {
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

    /** Removes a file of a job's results from the job's folder, and the set's while the job is its latest. */
    public void removeFile(String jobId, String path, BiConsumer<ResultsFolder, String> remover) {
        Job job = journal.find(jobId).orElseThrow();
        synchronized (locks.computeIfAbsent(job.setName(), name -> new Object())) {
            remover.accept(new ResultsFolder(job.setName(), ResultsFolder.JOBS + "/" + job.id()), path);
            if (isLatestOfItsSet(job)) {
                remover.accept(new ResultsFolder(job.setName(), null), path);
            }
        }
    }

    /**
     * Removes all of a job's results (an erasure, or the end of their retention), through {@code removeAll}: its own
     * folder, and the set's folder while it shows this job (whose {@code jobs/} the sink leaves alone: the other
     * jobs' results).
     */
    public void removeJob(String jobId, Consumer<ResultsFolder> removeAll) {
        Job job = journal.find(jobId).orElseThrow();
        synchronized (locks.computeIfAbsent(job.setName(), name -> new Object())) {
            removeAll.accept(new ResultsFolder(job.setName(), ResultsFolder.JOBS + "/" + job.id()));
            if (isLatestOfItsSet(job)) {
                removeAll.accept(new ResultsFolder(job.setName(), null));
            }
            storedUpTo.remove(jobId);
        }
    }

    /**
     * A newly submitted job takes the set's folder: what an earlier job of the set name left there that this one
     * will not write over (its samples and model.json) is removed, by {@code remover}, while this job is the set's
     * latest. Called once per job, when its submission is routed: its own samples come only later.
     */
    public void removeEarlierJobsFiles(String jobId, BiConsumer<ResultsFolder, String> remover) {
        Job job = journal.find(jobId).orElseThrow();
        synchronized (locks.computeIfAbsent(job.setName(), name -> new Object())) {
            List<String> earlier = samples.earlierJobsFiles(job);
            if (earlier.isEmpty() || !isLatestOfItsSet(job)) {
                return;
            }
            ResultsFolder setFolder = new ResultsFolder(job.setName(), null);
            earlier.forEach(path -> remover.accept(setFolder, path));
            remover.accept(setFolder, MODEL);
        }
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
            List<Sample> planned = TrainingStatus.MODEL_READY.equals(job.status()) ? samples.of(job.id()) : List.of();
            if (!planned.isEmpty()) {
                documents.put(MODEL, json.writer(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(samples.model(job, planned)));
            }
            documents.put("status.json", json.writer(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(status(job, planned)));
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the results of set " + job.setName(), e);
        }
    }

    private ObjectNode status(Job job, List<Sample> planned) {
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
        if (!planned.isEmpty()) {
            status.set("samples", samples.list(planned));
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
