package dev.dreamdrop.retention;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dreamdrop.api.ApiRequest;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.events.EventOutbox;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.mail.MailOutbox;
import dev.dreamdrop.samples.SampleStore;
import dev.dreamdrop.vendor.VendorUploads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * What each step of an erasure does and how its outcome is judged (routes/erase.camel.yaml calls the training API
 * and the results sink itself): each step done is recorded at once with what it deleted, so it is never done twice;
 * a step that cannot be done yet throws, and the erasure is retried, then parked.
 */
public class ErasureSteps {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureSteps.class);

    private final Erasures erasures;
    private final Journal journal;
    private final PhotoRetention photos;
    private final VendorUploads uploads;
    private final MailOutbox mails;
    private final SampleStore samples;
    private final EventOutbox events;
    private final Counter erased;

    public ErasureSteps(Erasures erasures, Journal journal, PhotoRetention photos, VendorUploads uploads,
                        MailOutbox mails, SampleStore samples, EventOutbox events, MeterRegistry metrics) {
        this.erasures = erasures;
        this.journal = journal;
        this.photos = photos;
        this.uploads = uploads;
        this.mails = mails;
        this.samples = samples;
        this.events = events;
        this.erased = Counter.builder("dreamdrop.erasures.done")
                .description("Erasures finished: on request (scope everything) or past the results' retention")
                .register(metrics);
    }

    /** Not done yet: the erasure is tried again later, or parked. */
    public static class StepNotDone extends RuntimeException {
        public StepNotDone(String message) {
            super(message);
        }
    }

    public ApiRequest cancelRequest(Erasure erasure) {
        return new ApiRequest("/api/v3/cancle_training/" + erasure.trainingId(), JsonNodeFactory.instance.objectNode());
    }

    /**
     * Cancelled, the job ends as cancelled. The API refusing (the training is over, it knows no such training) is
     * no reason to stop: the model's deletion comes next either way. Not sent or not answered, it is asked again.
     */
    public void cancelAnswered(Erasure erasure, ApiResult answer) {
        if (answer.isSuccess()) {
            journal.record(erasure.jobId(), TrainingStatus.CANCELLED, "operator", "cancelled to be erased");
            erasures.stepDone(erasure, "cancel", "training " + erasure.trainingId() + " cancelled at the training API");
        } else if (answer.outcome() == ApiResult.Outcome.PERMANENT) {
            erasures.stepDone(erasure, "cancel", "training " + erasure.trainingId() + " not cancelled: the training API"
                    + " said " + answer.message());
        } else {
            throw new StepNotDone("the training API did not cancel training " + erasure.trainingId() + ": "
                    + answer.message());
        }
    }

    public ApiRequest deleteModelRequest(Erasure erasure) {
        return new ApiRequest("/api/v3/finetune/delete/" + erasure.trainingId(), JsonNodeFactory.instance.objectNode());
    }

    public ApiRequest modelListRequest() {
        return new ApiRequest("/api/v3/finetune_list", JsonNodeFactory.instance.objectNode());
    }

    /**
     * Deleted, or refused while the account's model list does not hold it (deleted already, before a crash; or
     * never made, a training that failed): done. Refused while the list holds it, or the list unknown: not done.
     *
     * @param modelList the answer of {@code finetune_list} when the deletion was refused, else the deletion's own
     */
    public void modelDeletionAnswered(Erasure erasure, ApiResult deletion, ApiResult modelList) {
        String model = erasure.trainingId();
        if (deletion.isSuccess()) {
            erasures.stepDone(erasure, "delete_model", "model " + model + " deleted at the training API");
            return;
        }
        boolean listed = false;
        for (JsonNode id : modelList.body() == null ? JsonNodeFactory.instance.arrayNode()
                : modelList.body().path("data")) {
            listed |= model.equals(id.asText());
        }
        if (modelList.isSuccess() && !listed) {
            erasures.stepDone(erasure, "delete_model", "model " + model + " not among the account's models at the"
                    + " training API (its deletion answered: " + deletion.message() + ")");
            return;
        }
        throw new StepNotDone("the training API did not delete model " + model + ": " + deletion.message()
                + (modelList.isSuccess() ? "; it is still among the account's models" : ""));
    }

    /** After the deletes just tried: done when none of the job's photos is left on the training API's storage. */
    public void uploadsDeleted(Erasure erasure) {
        Map<String, Long> counts = uploads.countOf(erasure.jobId());
        long left = counts.getOrDefault("undeleted", 0L);
        if (left > 0) {
            throw new StepNotDone(left + " photo(s) still on the training API's storage (GET /api/uploads/parked"
                    + " says why)");
        }
        erasures.stepDone(erasure, "delete_uploads", counts.getOrDefault("deleted", 0L) + " photo(s) deleted from the"
                + " training API's storage");
    }

    public void deletePhotos(Erasure erasure) {
        String location = photos.eraseSet(erasure.jobId());
        erasures.stepDone(erasure, "delete_photos", "the set " + (location == null ? "(no longer kept)"
                : "at " + location) + ", its prepared photos, thumbnails and contact sheet");
    }

    public void resultsDeleted(Erasure erasure) {
        erasures.stepDone(erasure, "delete_results", "the results (the job's folder, and the set's while it showed"
                + " this job)");
    }

    public void forgetDetails(Erasure erasure) {
        int mailCount = mails.forget(erasure.jobId());
        int sampleCount = samples.forget(erasure.jobId());
        int eventCount = events.forgetDelivered(erasure.jobId());
        journal.forgetDetails(erasure.jobId());
        erasures.stepDone(erasure, "forget_details", "in the journal: the training request and prompts, the email"
                + " address, photo names, event details, " + sampleCount + " sample(s), " + mailCount + " email(s), "
                + eventCount + " delivered event(s)");
    }

    /** Every step done: the tombstone is complete, and an erasure on request is news for the systems around. */
    public void done(Erasure erasure) {
        Erasures.State tombstone = erasures.done(erasure);
        erased.increment();
        Job job = journal.find(erasure.jobId()).orElseThrow();
        if (Erasures.EVERYTHING.equals(erasure.scope())) {
            String summary = "erased on request: " + String.join("; ", tombstone.deleted());
            journal.noteOnce(job.id(), TrainingStatus.ERASED, TrainingStatus.ERASURE_SOURCE, summary);
            LOG.info("Set {} (job {}) {}", job.setName(), job.id(), summary);
        } else {
            LOG.info("Results of set {} (job {}) deleted: its training ended ({}) longer ago than"
                    + " dreamdrop.retention.results", job.setName(), job.id(), job.status());
        }
    }

    public void notDone(Erasure erasure, String why) {
        erasures.failed(erasure, why);
    }
}
