package dev.dreamdrop.operate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingApi;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.events.EventOutbox;
import dev.dreamdrop.vendor.VendorUploads;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.intake.ContactSheets;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.JobQuery;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.retention.Erasures;
import dev.dreamdrop.samples.Sample;
import dev.dreamdrop.samples.SampleDocuments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * What an operator can see and do: jobs and their history, cancel a training, delete a trained model, erase a set,
 * retry a set, list the account's models, see and replay parked status events. Every answer is JSON with an HTTP status; every action is journalled.
 */
public class OperatorApi {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorApi.class);
    private static final Set<String> RETRYABLE = Set.of(TrainingStatus.FAILED, TrainingStatus.UNKNOWN_OUTCOME,
            TrainingStatus.TIMED_OUT, TrainingStatus.REJECTED, TrainingStatus.CANCELLED);

    private final Journal journal;
    private final TrainingApi api;
    private final SetSources sources;
    private final EventOutbox events;
    private final VendorUploads uploads;
    private final SampleDocuments samples;
    private final ContactSheets contactSheets;
    private final Erasures erasures;
    private final ObjectMapper json = new ObjectMapper();

    public OperatorApi(Journal journal, TrainingApi api, SetSources sources, EventOutbox events,
                       VendorUploads uploads, SampleDocuments samples, ContactSheets contactSheets,
                       Erasures erasures) {
        this.journal = journal;
        this.api = api;
        this.sources = sources;
        this.events = events;
        this.uploads = uploads;
        this.samples = samples;
        this.contactSheets = contactSheets;
        this.erasures = erasures;
    }

    /** An HTTP status and a JSON body; for a page of jobs, the cursor of the next page (null on the last). */
    public record Answer(int status, JsonNode body, String next) {
        public Answer(int status, JsonNode body) {
            this(status, body, null);
        }
    }

    /** Jobs per page unless asked otherwise, and at most. */
    public static final int PAGE = 50;
    public static final int MAX_PAGE = 500;

    /**
     * A page of jobs, newest first, with the cursor of the next (see {@link JobQuery}): {@code limit} (50, at most
     * 500), {@code before} (a cursor), {@code status} (statuses separated by commas, or {@code running}),
     * {@code set} (a prefix of the set name), {@code since} (changed since, an ISO-8601 instant). Three queries
     * whatever the journal's size: the jobs, their samples, their erasures.
     */
    public Answer jobs(String status, String set, String since, String before, String limit) {
        JobQuery query;
        try {
            int size = limit == null || limit.isBlank() ? PAGE : Integer.parseInt(limit);
            if (size < 1 || size > MAX_PAGE) {
                return error(400, "limit must be 1.." + MAX_PAGE + ", not " + limit);
            }
            List<String> statuses = status == null || status.isBlank() ? List.of()
                    : List.of(status.trim().split("\\s*,\\s*"));
            boolean running = statuses.equals(List.of("running"));
            query = new JobQuery(running ? List.of() : statuses, running, set,
                    since == null || since.isBlank() ? null : Instant.parse(since),
                    before == null || before.isBlank() ? null : JobQuery.Cursor.decode(before), size + 1);
        } catch (NumberFormatException | DateTimeParseException e) {
            return error(400, "limit is a number and since an ISO-8601 instant (2026-12-06T10:00:00Z): "
                    + e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
        List<Job> page = journal.jobs(query);
        boolean more = page.size() == query.limit();
        page = more ? page.subList(0, query.limit() - 1) : page;
        List<String> ids = page.stream().map(Job::id).toList();
        Map<String, List<Sample>> samplesOfPage = samples.ofJobs(ids);
        Map<String, Erasures.State> erasuresOfPage = erasures.ofJobs(ids);
        ArrayNode jobs = json.createArrayNode();
        page.forEach(job -> jobs.add(summary(job, samplesOfPage.getOrDefault(job.id(), List.of()),
                erasuresOfPage.get(job.id()))));
        return new Answer(200, jobs, more ? JobQuery.Cursor.after(page.get(page.size() - 1)).encode() : null);
    }

    public Answer job(String jobId) {
        Job job = journal.find(jobId).orElse(null);
        if (job == null) {
            return error(404, "no job " + jobId);
        }
        ObjectNode body = summary(job, samples.of(jobId), erasures.of(jobId).orElse(null));
        ArrayNode history = body.putArray("history");
        for (StatusChange event : journal.events(jobId)) {
            history.add(json.createObjectNode().put("at", event.at().toString()).put("status", event.status())
                    .put("source", event.source()).put("applied", event.applied()).put("detail", event.detail()));
        }
        return new Answer(200, body);
    }

    public Answer cancel(String jobId) {
        Job job = journal.find(jobId).orElse(null);
        if (job == null) {
            return error(404, "no job " + jobId);
        }
        if (job.trainingId() == null || TrainingStatus.isTerminal(job.status())) {
            return error(409, "job " + jobId + " has no training that could be cancelled (status " + job.status() + ")");
        }
        ApiResult result = api.call("/api/v3/cancle_training/" + job.trainingId(), json.createObjectNode());
        if (!result.isSuccess()) {
            return error(502, "the training API did not cancel training " + job.trainingId() + ": " + result.message());
        }
        LOG.info("Set {} (job {}, training {}) cancelled by an operator", job.setName(), job.id(), job.trainingId());
        journal.record(job.id(), TrainingStatus.CANCELLED, "operator", "cancelled by an operator");
        return job(jobId);
    }

    public Answer deleteModel(String jobId) {
        Job job = journal.find(jobId).orElse(null);
        if (job == null) {
            return error(404, "no job " + jobId);
        }
        if (job.trainingId() == null) {
            return error(409, "job " + jobId + " has no trained model");
        }
        ApiResult result = api.call("/api/v3/finetune/delete/" + job.trainingId(), json.createObjectNode());
        if (!result.isSuccess()) {
            return error(502, "the training API did not delete model " + job.trainingId() + ": " + result.message());
        }
        LOG.info("Model {} of set {} (job {}) deleted by an operator", job.trainingId(), job.setName(), job.id());
        journal.note(job.id(), "model_deleted", "operator", "model " + job.trainingId() + " deleted by an operator");
        return job(jobId);
    }

    /**
     * Erases everything of the job, for good, in the background (routes/erase.camel.yaml): 202 while it is under
     * way, 200 with the tombstone once done. Asked again, a parked erasure is retried. A set still being prepared or
     * submitted is refused: its training request may be on its way.
     */
    public Answer erase(String jobId) {
        Job job = journal.find(jobId).orElse(null);
        if (job == null) {
            return error(404, "no job " + jobId);
        }
        if (job.trainingId() == null && !TrainingStatus.isTerminal(job.status())
                && !TrainingStatus.UNKNOWN_OUTCOME.equals(job.status())) {
            return error(409, "job " + jobId + " is " + job.status() + ": its set is being prepared or submitted;"
                    + " erase it once it has a training or was rejected");
        }
        Erasures.State erasure = erasures.request(jobId, Erasures.EVERYTHING);
        LOG.info("Erasure of set {} (job {}) asked for by an operator: {}", job.setName(), job.id(), erasure.state());
        ObjectNode body = json.createObjectNode().put("job_id", jobId);
        body.set("erasure", erasure.toJson());
        return new Answer(erasure.isDone() ? 200 : 202, body);
    }

    /**
     * Puts the set back into the inbox, where it is claimed as a new job. For {@code unknown_outcome} this is the
     * operator's decision that no training started: the old job ends as failed.
     */
    public Answer retry(String jobId) {
        Job job = journal.find(jobId).orElse(null);
        if (job == null) {
            return error(404, "no job " + jobId);
        }
        if (erasures.of(jobId).filter(e -> Erasures.EVERYTHING.equals(e.scope())).isPresent()) {
            return error(409, "job " + jobId + " was erased: nothing of its set is left to retry");
        }
        if (!RETRYABLE.contains(job.status())) {
            return error(409, "job " + jobId + " is " + job.status() + "; only a failed, rejected, cancelled, timed-out"
                    + " or unknown_outcome set can be retried");
        }
        Job latest = journal.latestJob(job.source(), job.setName()).orElse(job);
        if (!latest.id().equals(job.id())) {
            return error(409, "the set " + job.setName() + " has been taken again since, as job " + latest.id());
        }
        if (!sources.of(job).restore(job)) {
            return error(409, "the set " + job.setName() + " is in neither the failed place nor the archive, or a set"
                    + " of that name is in the inbox already");
        }
        if (TrainingStatus.UNKNOWN_OUTCOME.equals(job.status())) {
            journal.fail(job.id(), TrainingStatus.FAILED, "operator",
                    "an operator decided no training had started and retried the set");
        } else {
            journal.note(job.id(), "retried", "operator", "set put back into the inbox");
        }
        LOG.info("Set {} (job {}) put back into the inbox by an operator", job.setName(), job.id());
        return new Answer(202, json.createObjectNode().put("status", "retrying").put("set", job.setName()));
    }

    public Answer models() {
        ApiResult result = api.call("/api/v3/finetune_list", json.createObjectNode());
        if (!result.isSuccess()) {
            return error(502, "the training API did not list the models: " + result.message());
        }
        return new Answer(200, result.body().path("data"));
    }

    /** The status events parked after their last attempt, each with the number of its job's events behind it. */
    public Answer parkedEvents() {
        return new Answer(200, events.parked());
    }

    /** A parked event is delivered again, and its job's later events after it. */
    public Answer replayEvent(String id) {
        return tryAgain("event", id, events::replay, "replaying");
    }

    /** Photos on the training API's storage whose deletion was given up after its last attempt. */
    public Answer parkedUploads() {
        return new Answer(200, uploads.parked());
    }

    /** A parked deletion of a vendor-hosted photo is tried again now. */
    public Answer retryUploadDeletion(String id) {
        return tryAgain("upload", id, uploads::retry, "deleting");
    }

    /** A parked row of an outbox is due again: 404 for no such id, 409 when it is not parked. */
    private Answer tryAgain(String what, String id, LongPredicate parkedAndRetried, String doing) {
        long rowId;
        try {
            rowId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return error(404, "no " + what + " " + id);
        }
        if (!parkedAndRetried.test(rowId)) {
            return error(409, what + " " + id + " is not parked");
        }
        return new Answer(202, json.createObjectNode().put("status", doing).put("id", rowId));
    }

    /** The contact sheet of the job's photos as sent, or null. */
    public byte[] contactSheet(String jobId) {
        return contactSheets.find(jobId).orElse(null);
    }

    /** The small JPEG of one of the job's sample images (1-based), or null. */
    public byte[] samplePreview(String jobId, int ordinal) {
        return samples.preview(jobId, ordinal).orElse(null);
    }

    /** A thumbnail of one of the job's photos, or null. */
    public byte[] thumbnail(String jobId, int index) {
        List<byte[]> thumbnails = journal.thumbnails(jobId);
        return index >= 0 && index < thumbnails.size() ? thumbnails.get(index) : null;
    }

    private ObjectNode summary(Job job, List<Sample> ofJob, Erasures.State erasure) {
        ObjectNode summary = json.createObjectNode()
                .put("id", job.id())
                .put("set", job.setName())
                .put("source", job.source())
                .put("status", job.status())
                .put("step", TrainingStatus.step(job.status()))
                .put("steps", TrainingStatus.TRAINING_STEPS.size())
                .put("training_id", job.trainingId())
                .put("photos", job.imageCount())
                .put("error", job.error())
                .put("created", job.createdAt().toString())
                .put("updated", job.updatedAt().toString());
        summary.set("photo_warnings", json.valueToTree(job.photoWarnings()));
        if (erasure != null) {
            summary.set("erasure", erasure.toJson());
        }
        if (TrainingStatus.MODEL_READY.equals(job.status())) {
            ArrayNode list = samples.list(ofJob);
            for (int i = 0; i < ofJob.size(); i++) {
                ((ObjectNode) list.get(i)).put("ordinal", ofJob.get(i).ordinal());
            }
            summary.set("samples", list);
        }
        return summary;
    }

    private Answer error(int status, String message) {
        return new Answer(status, json.createObjectNode().put("error", message));
    }
}
