package dev.dreamdrop.submit;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.vendor.VendorUploads;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * No credit is spent on photos the API cannot fetch: before a training request whose photos are on DreamDrop's own
 * server or on S3, one of its photo links is fetched from outside in, the way the API will fetch it, and must give
 * the prepared photo's bytes; with webhooks, the webhook path must answer as DreamDrop does. The HTTP calls are the
 * route's (routes/check-photo-links.camel.yaml); this bean plans them and judges the answers. A failed check leaves
 * the set journalled and waiting (status.json and the health check say what failed), and the attempt is
 * redelivered with backoff until the check passes.
 */
public class PhotoLinkCheck {

    private static final Logger LOG = LoggerFactory.getLogger(PhotoLinkCheck.class);
    /** A webhook token no job has: DreamDrop answers it 404 "unknown webhook", which nothing else would. */
    public static final String PROBE_TOKEN = "reachability-check";
    private static final String DREAMDROPS_404 = "unknown webhook";
    private static final String FAILURES = "photoLinkCheckFailures";

    private final Journal journal;
    private final VendorUploads uploads;
    private final PreparedImages prepared;
    private final RetryPolicy retry;
    /** The sets waiting on a failed check, with what failed: for the health check. */
    private final Map<String, String> waiting = new ConcurrentHashMap<>();

    public PhotoLinkCheck(Journal journal, VendorUploads uploads, PreparedImages prepared, RetryPolicy retry) {
        this.journal = journal;
        this.uploads = uploads;
        this.prepared = prepared;
        this.retry = retry;
    }

    /** One check: the link to fetch, the webhook URL to ask (or null), and the first problem found. */
    public static final class Plan {
        private final String jobId;
        private final String setName;
        private final String imageLink;
        private final String webhookProbe;
        private String problem;

        Plan(String jobId, String setName, String imageLink, String webhookProbe) {
            this.jobId = jobId;
            this.setName = setName;
            this.imageLink = imageLink;
            this.webhookProbe = webhookProbe;
        }

        public String getImageLink() {
            return imageLink;
        }

        public String getWebhookProbe() {
            return webhookProbe;
        }

        void problem(String text) {
            if (problem == null) {
                problem = text;
            }
        }
    }

    /**
     * The check of a submission; null when there is nothing to check: its photos are on the vendor's storage (the
     * API's own links), or the API was called for it already (a redelivered attempt, whose links may be gone with
     * the training's end).
     */
    public Plan plan(Submission submission) {
        Job job = journal.find(submission.jobId()).orElseThrow();
        if (submission.awaitsImageLinks() || !TrainingStatus.SUBMITTING.equals(job.status())
                || job.apiCalledAt() != null || !uploads.links(job.id()).isEmpty()) {
            waiting.remove(job.id());
            return null;
        }
        String webhook = submission.payload().path("webhook").asText("");
        return new Plan(submission.jobId(), submission.setName(), submission.payload().get("images").get(0).asText(),
                webhook.isEmpty() ? null : webhook.substring(0, webhook.lastIndexOf('/') + 1) + PROBE_TOKEN);
    }

    /**
     * The first photo's link answered: it must be the prepared photo, byte for byte, or, on a replica that took the
     * set over and has no local copy of it, a JPEG (the prepared photos are).
     */
    public void imageAnswered(Plan plan, int httpStatus, byte[] body) {
        if (httpStatus != 200) {
            plan.problem("the photo link " + shown(plan.imageLink) + " answered HTTP " + httpStatus);
            return;
        }
        Path local = prepared.file(plan.jobId, 0);
        boolean photo;
        try {
            photo = Files.exists(local) ? Arrays.equals(Files.readAllBytes(local), body) : isJpeg(body);
        } catch (IOException e) {
            photo = isJpeg(body);
        }
        if (!photo) {
            plan.problem("the photo link " + shown(plan.imageLink) + " answered something else than the photo"
                    + " (another server behind that URL?)");
        }
    }

    private static boolean isJpeg(byte[] body) {
        return body != null && body.length > 3 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xd8
                && (body[2] & 0xff) == 0xff;
    }

    public void imageNotFetched(Plan plan, Exception e) {
        plan.problem("the photo link " + shown(plan.imageLink) + " could not be fetched (" + e.getClass().getSimpleName()
                + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
    }

    /** The webhook path answered: DreamDrop answers a token no job has with 404 "unknown webhook". */
    public void webhookAnswered(Plan plan, int httpStatus, String body) {
        if (httpStatus != 404 || body == null || !body.contains(DREAMDROPS_404)) {
            plan.problem("the webhook URL " + shown(plan.webhookProbe) + " does not reach DreamDrop (it answered HTTP "
                    + httpStatus + ")");
        }
    }

    public void webhookNotReached(Plan plan, Exception e) {
        plan.problem("the webhook URL " + shown(plan.webhookProbe) + " could not be reached ("
                + e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
    }

    /**
     * Passes the submission on, or journals what failed on the set (status.json, the dashboard) and throws
     * {@link PhotosUnreachable} for Camel to check again after the backoff set in
     * {@link Exchange#REDELIVERY_DELAY}.
     */
    public void verdict(Plan plan, Exchange exchange) {
        Job job = journal.find(plan.jobId).orElseThrow();
        if (plan.problem == null) {
            if (waiting.remove(plan.jobId) != null || job.error() != null) {
                LOG.info("Set {} (job {}): the training API can fetch its photos now; requesting the training",
                        plan.setName, plan.jobId);
                journal.waiting(plan.jobId, null, "the photo links work; requesting the training");
            }
            return;
        }
        int failures = exchange.getProperty(FAILURES, 0, Integer.class) + 1;
        exchange.setProperty(FAILURES, failures);
        String problem = "Not sent to the training API yet: " + plan.problem + ". Check dreamdrop.public-url (or the"
                + " S3 endpoint): the API must reach it from the internet. Checked again until it works; the set"
                + " waits, nothing is billed";
        waiting.put(plan.jobId, plan.setName + ": " + plan.problem);
        if (!problem.equals(job.error())) {
            LOG.warn("Set {} (job {}): {}", plan.setName, plan.jobId, problem);
            journal.waiting(plan.jobId, problem, plan.problem);
        }
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, retry.delayAfter(failures, null).toMillis());
        throw new PhotosUnreachable(plan.problem);
    }

    /** Camel's {@code retryWhile}: until the check passes, unless DreamDrop stops (the restart checks again). */
    public boolean mayCheckAgain(Exchange exchange) {
        return !exchange.getContext().isStopping();
    }

    /** The sets waiting for a check to pass, with what failed. */
    public Map<String, String> waiting() {
        return Map.copyOf(waiting);
    }

    /** A link as the log and status.json show it: no query string, which may hold a presigned signature. */
    private static String shown(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://" + uri.getRawAuthority() + Objects.requireNonNullElse(uri.getRawPath(), "");
    }
}
