package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.intake.PreparedSet;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.intake.SetProblem;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.samples.SamplePlans;
import dev.dreamdrop.vendor.VendorImageHosting;
import dev.dreamdrop.vendor.VendorImageHosting.PhotoUpload;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What DreamDrop knows about starting a training, for the submission routes (routes/submit.camel.yaml): the
 * request journalled and the set archived before the API is called, the "API called" mark that lets only one
 * attempt through, what each answer means for the job, and when to stop retrying. Camel does the call and the
 * waiting: a crash during the call leaves a job known to be "maybe submitted", never resubmitted silently.
 */
public class TrainingSubmitter {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingSubmitter.class);
    /** Exchange properties of the submission route; properties, unlike headers, are kept across redeliveries. */
    public static final String SUBMISSION = "submission";
    /** Answers in a row that asked for a retry (a successful photo upload starts the count again). */
    private static final String ATTEMPTS = "submissionAttempts";
    private static final String FAILED_TRY_AGAIN = "failedTryAgainAnswers";

    private final Journal journal;
    private final SetSources sources;
    private final Map<String, ImageHosting> hostingBySource;
    private final VendorImageHosting vendorHosting;
    private final SamplePlans samplePlans;
    private final String publicUrl;
    private final RetryPolicy retry;
    private final boolean vendorSandbox;
    private final MeterRegistry metrics;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param hostingBySource how each source's images reach the API (self, S3 or the vendor's storage)
     * @param samplePlans     journals the sample images a set will get, with its training request
     * @param publicUrl       where the API reaches DreamDrop's webhooks; empty = no webhooks (status by polling)
     * @param vendorSandbox   send trainings to the vendor's sandbox endpoint
     */
    public TrainingSubmitter(Journal journal, SetSources sources, Map<String, ImageHosting> hostingBySource,
                             VendorImageHosting vendorHosting, SamplePlans samplePlans, String publicUrl,
                             RetryPolicy retry, boolean vendorSandbox, MeterRegistry metrics) {
        this.journal = journal;
        this.sources = sources;
        this.hostingBySource = Map.copyOf(hostingBySource);
        this.vendorHosting = vendorHosting;
        this.samplePlans = samplePlans;
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

    /**
     * Journals the training request (key masked) and archives the set, before anything is sent: a crash from here
     * on leaves a job known to be "submitting", and its submission is made again only if the API was certainly not
     * called. Returns the submission for the submission route, or null when this job went past this point already
     * (a redelivered exchange, another replica).
     */
    public Submission begin(PreparedSet set) {
        Job job = journal.find(set.jobId()).orElseThrow();
        if (!TrainingStatus.CLAIMED.equals(job.status())) {
            journal.note(job.id(), TrainingStatus.SUBMITTING, "submit", "already " + job.status());
            return null;
        }
        String endpoint = TrainingPayload.path(set.settings().kind(), vendorSandbox);
        ObjectNode payload = TrainingPayload.build(set.settings(),
                hostingBySource.get(job.source()).publish(job, set.imageCount()), set.imageCount(),
                publicUrl.isEmpty() ? "" : publicUrl + "/webhook/" + job.webhookToken(), vendorSandbox);
        // planned first: a crash before the mark leaves the job claimed, to be begun (and planned) again
        samplePlans.plan(job.id(), set.settings());
        if (!journal.markSubmitting(job.id(), set.imageCount(), endpoint, storedCopy(payload).toString()).applied()) {
            return null;
        }
        archive(job);
        return new Submission(job.id(), job.setName(), endpoint, payload);
    }

    /**
     * A submission cut short (a crash, a stop, a replica that died) before the API was called: the journalled
     * request is sent again as it is. One whose call had begun is left to {@code unknown_outcome} by the caller,
     * since the API may have started its training.
     */
    public Submission resume(Job job) {
        ObjectNode payload;
        try {
            payload = (ObjectNode) json.readTree(job.requestJson());
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("the journalled request of job " + job.id() + " cannot be read", e);
        }
        payload.remove("key");
        LOG.info("Set {} (job {}): its submission was cut short before the API was called; calling it now",
                job.setName(), job.id());
        archive(job);
        return new Submission(job.id(), job.setName(), job.endpoint(), payload);
    }

    /**
     * For a submission whose photos go to the vendor's storage: the next photo without a journalled upload, or null
     * when there is none left (or the job is past uploading: failed, or its request sent).
     */
    public PhotoUpload nextUpload(Submission submission) {
        if (!submission.awaitsImageLinks()) {
            return null;
        }
        Job job = journal.find(submission.jobId()).orElseThrow();
        if (!TrainingStatus.SUBMITTING.equals(job.status()) || job.apiCalledAt() != null) {
            return null;
        }
        try {
            return vendorHosting.nextUpload(job);
        } catch (VendorImageHosting.PhotoMissing e) {
            failed(job, e.getMessage());
            return null;
        }
    }

    /**
     * Journals what the API answered to a photo's upload. A refusal that may be retried is thrown as
     * {@link TrainingApiBusy}, as for the training request, and the attempt is redelivered whole: it goes on with the
     * photos not uploaded yet. A permanent refusal fails the set with the API's words.
     */
    public void photoUploaded(Submission submission, PhotoUpload upload, ApiResult result, Exchange exchange) {
        if (result.isSuccess() && vendorHosting.uploaded(upload, result)) {
            exchange.removeProperty(ATTEMPTS);
            return;
        }
        Job job = journal.find(submission.jobId()).orElseThrow();
        switch (result.outcome()) {
            case SUCCESS -> failed(job, "The training API took photo " + upload.fileName() + " but answered no link"
                    + " or no request_id to delete it with (" + result.message() + "); the set was not trained");
            case PERMANENT -> failed(job, "The training API refused photo " + upload.fileName() + ": "
                    + result.message());
            default -> {
                if (result.outcome() == ApiResult.Outcome.UNKNOWN_OUTCOME) {
                    LOG.warn("Set {} (job {}): the upload of photo {} got no answer ({}); it may be on the training"
                            + " API's storage without an id to delete it with. Uploading it again", job.setName(),
                            job.id(), upload.fileName(), result.message());
                }
                retryLater(job, result, exchange);
            }
        }
    }

    /**
     * Marks the API as called, if it was not already: only one attempt can pass, whatever redelivers, restarts or
     * runs beside it, so that no request is ever sent twice. None passes while DreamDrop stops: the submission stays
     * journalled as not sent, and the restart makes it. A request whose photos were uploaded to the vendor's storage
     * gets their links first, journalled as the request will be sent.
     */
    public boolean startCalling(Submission submission, Exchange exchange) {
        if (exchange.getContext().isStopping()) {
            leftToTheRestart(submission);
            return false;
        }
        if (submission.awaitsImageLinks() && !withUploadedLinks(submission)) {
            return false;
        }
        boolean first = journal.markCallingApi(submission.jobId());
        if (!first) {
            LOG.warn("Set {} (job {}): the API was called for it already; not calling it again", submission.setName(),
                    submission.jobId());
        }
        return first;
    }

    /** @return false when the job is past submitting (a photo was refused) or a photo has no upload */
    private boolean withUploadedLinks(Submission submission) {
        Job job = journal.find(submission.jobId()).orElseThrow();
        List<String> links = TrainingStatus.SUBMITTING.equals(job.status()) ? vendorHosting.links(job) : null;
        if (links == null) {
            LOG.info("Set {} (job {}) is {}: not calling the API", job.setName(), job.id(),
                    TrainingStatus.SUBMITTING.equals(job.status()) ? "missing photo uploads" : job.status());
            return false;
        }
        TrainingPayload.putImages(submission.payload(), links);
        journal.recordRequest(job.id(), storedCopy(submission.payload()).toString());
        return true;
    }

    /**
     * Journals what the training request got for an answer; one that may be retried is thrown for Camel to
     * redeliver the attempt (see {@link #retryLater}).
     */
    public StatusChange settle(Submission submission, ApiResult result, Exchange exchange) {
        Job job = journal.find(submission.jobId()).orElseThrow();
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
                return failed(job, "The training API refused the set: " + result.message());
            default:
                retryLater(job, result, exchange);
                return null;
        }
    }

    /**
     * An answer that may be retried (rate limit, 5xx, no connection, "Failed, Try Again") is thrown as
     * {@link TrainingApiBusy} for Camel to redeliver the attempt, after the wait set in
     * {@link Exchange#REDELIVERY_DELAY}: the policy's backoff, or longer when the API asked for it. The job is marked
     * "API not called" before the wait, so that a stop during it submits the set again at the restart.
     */
    private void retryLater(Job job, ApiResult result, Exchange exchange) {
        int attempt = exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1;
        exchange.setProperty(ATTEMPTS, attempt);
        if (result.outcome() == ApiResult.Outcome.FAILED_TRY_AGAIN) {
            exchange.setProperty(FAILED_TRY_AGAIN, exchange.getProperty(FAILED_TRY_AGAIN, 0, Integer.class) + 1);
        }
        journal.markApiNotCalled(job.id());
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY,
                retry.delayAfter(attempt, result.retryAfter()).toMillis());
        throw new TrainingApiBusy(result);
    }

    /** Camel's {@code retryWhile} for the submission: within the attempts and the "Failed, Try Again" budget. */
    public boolean mayTryAgain(Exchange exchange) {
        int attempts = exchange.getProperty(ATTEMPTS, 0, Integer.class);
        boolean again = attempts < retry.maxAttempts()
                && exchange.getProperty(FAILED_TRY_AGAIN, 0, Integer.class) <= retry.maxFailedTryAgain();
        if (again) {
            Submission submission = exchange.getProperty(SUBMISSION, Submission.class);
            LOG.info("Set {} (job {}): attempt {} not accepted ({}), retrying in {} ms", submission.setName(),
                    submission.jobId(), attempts, busy(exchange).result().message(),
                    exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY));
            metrics.counter("dreamdrop.api.retries").increment();
        }
        return again;
    }

    /**
     * When Camel stops redelivering: the set fails with what the API said, and goes back for the person to retry.
     * Unless DreamDrop is stopping (Camel does not redeliver then): the submission, journalled as not sent, is made
     * at the restart.
     */
    public StatusChange giveUp(Exchange exchange) {
        Submission submission = exchange.getProperty(SUBMISSION, Submission.class);
        if (exchange.getContext().isStopping()) {
            leftToTheRestart(submission);
            return null;
        }
        ApiResult last = busy(exchange).result();
        int failedTryAgain = exchange.getProperty(FAILED_TRY_AGAIN, 0, Integer.class);
        Job job = journal.find(submission.jobId()).orElseThrow();
        if (failedTryAgain > retry.maxFailedTryAgain()) {
            return failed(job, "The training API answered '" + last.message() + "' " + failedTryAgain
                    + " times. Move the set back into the inbox to try again later.");
        }
        return failed(job, "The training API was unavailable for " + exchange.getProperty(ATTEMPTS, Integer.class)
                + " attempts (last answer: " + last.message() + "). Nothing was trained; move the set back into the"
                + " inbox to try again.");
    }

    private static void leftToTheRestart(Submission submission) {
        LOG.info("Set {} (job {}): DreamDrop is stopping before the API is called; it is submitted at the restart",
                submission.setName(), submission.jobId());
    }

    private static TrainingApiBusy busy(Exchange exchange) {
        Exception e = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        return (TrainingApiBusy) e;
    }

    /**
     * The training must not wait for storage: a set that cannot be moved now is moved by the intake when it next
     * sees it, and the journal knows the set is taken, so it is never claimed twice.
     */
    private void archive(Job job) {
        try {
            sources.of(job).archive(job);
        } catch (RuntimeException e) {
            LOG.warn("Set {} (job {}) could not be archived now ({}); it will be moved later", job.setName(),
                    job.id(), e.getMessage());
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

    /**
     * The set goes to the failed place with its errors.json before the failure is journalled (as a rejected set
     * does), so that whoever sees the status finds the report. A set that cannot be moved now is moved by the
     * intake when it next sees it.
     */
    private StatusChange failed(Job job, String reason) {
        LOG.warn("Set {} (job {}) failed: {}", job.setName(), job.id(), reason);
        try {
            sources.of(job).reject(job, List.of(SetProblem.ofSet(reason)));
        } catch (RuntimeException e) {
            LOG.warn("Set {} (job {}) could not be moved to the failed place now ({}); it will be moved later",
                    job.setName(), job.id(), e.getMessage());
        }
        return journal.fail(job.id(), TrainingStatus.FAILED, "submit", reason);
    }

    /** The request as it may be stored: everything the API got, but the key masked. */
    private static ObjectNode storedCopy(ObjectNode payload) {
        ObjectNode copy = payload.objectNode().put("key", "***");
        copy.setAll(payload);
        return copy;
    }
}
