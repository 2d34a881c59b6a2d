package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingApiClient;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.intake.PreparedSet;
import dev.dreamdrop.intake.SetSource;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.intake.SetProblem;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts the training of a prepared set. The request is journalled and the set archived before the API is
 * called, so a crash during the call leaves a job that is known to be "maybe submitted" and is never
 * resubmitted silently. Transient failures are retried with backoff; permanent ones fail the set with the
 * API's own words.
 */
public class TrainingSubmitter {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingSubmitter.class);

    private final Journal journal;
    private final TrainingApiClient api;
    private final SetSources sources;
    private final Map<String, ImageHosting> hostingBySource;
    private final String publicUrl;
    private final RetryPolicy retry;
    private final boolean vendorSandbox;
    private final MeterRegistry metrics;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param hostingBySource how each source's images reach the API ({@code folder}: self or S3, {@code s3}: S3)
     * @param vendorSandbox   send trainings to the vendor's sandbox endpoint
     */
    public TrainingSubmitter(Journal journal, TrainingApiClient api, SetSources sources,
                             Map<String, ImageHosting> hostingBySource, String publicUrl, RetryPolicy retry,
                             boolean vendorSandbox, MeterRegistry metrics) {
        this.journal = journal;
        this.api = api;
        this.sources = sources;
        this.hostingBySource = Map.copyOf(hostingBySource);
        this.publicUrl = publicUrl;
        this.retry = retry;
        this.vendorSandbox = vendorSandbox;
        this.metrics = metrics;
    }

    /** Rejects a set that failed validation: errors.json beside it in the failed folder, no API call. */
    public StatusChange reject(PreparedSet set) {
        Job job = journal.find(set.jobId()).orElseThrow();
        if (!TrainingStatus.CLAIMED.equals(job.status())) {
            return journal.note(job.id(), TrainingStatus.REJECTED, "intake", "already " + job.status());
        }
        sources.of(job).reject(job, set.problems());
        return journal.fail(set.jobId(), TrainingStatus.REJECTED, "intake",
                set.problems().size() + " problem(s), see errors.json in the failed folder");
    }

    public StatusChange submit(PreparedSet set) {
        Job job = journal.find(set.jobId()).orElseThrow();
        if (!TrainingStatus.CLAIMED.equals(job.status())) {
            // a retried exchange: this job went past this point already and must not be submitted again
            return journal.note(job.id(), TrainingStatus.SUBMITTING, "submit", "already " + job.status());
        }
        String endpoint = TrainingPayload.path(set.settings().kind(), vendorSandbox);
        ObjectNode payload = TrainingPayload.build(set.settings(),
                hostingBySource.get(job.source()).publish(job, set.imageCount()),
                publicUrl + "/webhook/" + job.webhookToken(), vendorSandbox);
        StatusChange submitting = journal.markSubmitting(job.id(), set.imageCount(), endpoint,
                storedCopy(payload).toString());
        if (!submitting.applied()) {
            return submitting;
        }
        return call(job, endpoint, payload);
    }

    /**
     * Makes the call of a submission that was cut short (a crash, a replica that died) before the API was
     * called: the journalled request is sent as it is. One whose call had begun is left to
     * {@code unknown_outcome} by the caller, since the API may have started its training.
     */
    public StatusChange resumeUncalled(Job job) {
        ObjectNode payload;
        try {
            payload = (ObjectNode) json.readTree(job.requestJson());
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("the journalled request of job " + job.id() + " cannot be read", e);
        }
        payload.remove("key");
        LOG.info("Set {} (job {}): its submission was cut short before the API was called; calling it now",
                job.setName(), job.id());
        return call(job, job.endpoint(), payload);
    }

    /** Archives the set, then calls the API, retrying what may be retried. */
    private StatusChange call(Job job, String endpoint, ObjectNode payload) {
        SetSource source = sources.of(job);
        try {
            source.archive(job);
        } catch (RuntimeException e) {
            // the training must not wait for storage; the intake finishes the move when it next sees the set,
            // and the journal knows the set is taken, so it is never claimed twice
            LOG.warn("Set {} (job {}) could not be archived now ({}); it will be moved later", job.setName(),
                    job.id(), e.getMessage());
        }
        int attempts = 0;
        int failedTryAgain = 0;
        while (true) {
            attempts++;
            journal.markCallingApi(job.id());
            ApiResult result = api.call(endpoint, payload);
            switch (result.outcome()) {
                case SUCCESS:
                    return submitted(job, result);
                case UNKNOWN_OUTCOME:
                    LOG.warn("Set {} (job {}): outcome of the submission unknown: {}", job.setName(), job.id(),
                            result.message());
                    return journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "submit", result.message()
                            + "; not resubmitted, since the training may have started and a second one would be"
                            + " billed. A webhook for it settles this; otherwise an operator decides.");
                case PERMANENT:
                    return failed(job, source, "The training API refused the set: " + result.message());
                case FAILED_TRY_AGAIN:
                    if (++failedTryAgain > retry.maxFailedTryAgain()) {
                        return failed(job, source, "The training API answered '" + result.message() + "' "
                                + failedTryAgain + " times. Move the set back into the inbox to try again later.");
                    }
                    break;
                default:
                    if (attempts >= retry.maxAttempts()) {
                        return failed(job, source, "The training API was unavailable for " + attempts
                                + " attempts (last answer: " + result.message() + "). Nothing was trained;"
                                + " move the set back into the inbox to try again.");
                    }
            }
            journal.markApiNotCalled(job.id());
            Duration delay = retry.delayAfter(attempts, result.retryAfter());
            LOG.info("Set {} (job {}): attempt {} not accepted ({}), retrying in {} ms", job.setName(), job.id(),
                    attempts, result.message(), delay.toMillis());
            metrics.counter("dreamdrop.api.retries").increment();
            sleep(delay);
        }
    }

    private StatusChange submitted(Job job, ApiResult result) {
        JsonNode body = result.body();
        String trainingId = body.path("training_id").asText(body.path("model_id").asText(""));
        if (trainingId.isBlank()) {
            return journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "submit",
                    "the API answered success without a training id: " + result.message());
        }
        String status = TrainingStatus.isTrainingStep(result.message()) ? result.message() : "deploying_gpu";
        LOG.info("Set {} (job {}): training {} started", job.setName(), job.id(), trainingId);
        return journal.markSubmitted(job.id(), trainingId, status, body.path("data").asText(""));
    }

    /** Journalled first: a set that cannot be moved now is moved by the intake when it next sees it. */
    private StatusChange failed(Job job, SetSource source, String reason) {
        LOG.warn("Set {} (job {}) failed: {}", job.setName(), job.id(), reason);
        StatusChange change = journal.fail(job.id(), TrainingStatus.FAILED, "submit", reason);
        try {
            source.reject(job, List.of(SetProblem.ofSet(reason)));
        } catch (RuntimeException e) {
            LOG.warn("Set {} (job {}) could not be moved to the failed place now ({}); it will be moved later",
                    job.setName(), job.id(), e.getMessage());
        }
        return change;
    }

    /** The request as it may be stored: everything the API got, but the key masked. */
    private static ObjectNode storedCopy(ObjectNode payload) {
        ObjectNode copy = payload.objectNode().put("key", "***");
        copy.setAll(payload);
        return copy;
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to retry", e);
        }
    }
}
