package dev.dreamdrop.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dreamdrop.api.TrainingApi;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.submit.PhotoLinkCheck;
import dev.dreamdrop.journal.StatusChange;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Takes the training API's webhook calls. The API signs nothing, so: the job is found by the unguessable token
 * in the URL (unknown token: 404), the body must be strict JSON, as the webhook route unmarshals it (400), must name the job's own training (409),
 * and an end status ({@code model_ready}, {@code failed}) is confirmed with {@code fine_tune_status} before it is
 * believed. Every event is journalled before the answer; duplicates and late deliveries are recorded but never
 * move a job backwards.
 */
public class WebhookReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    private final Journal journal;
    private final TrainingApi api;
    private final MeterRegistry metrics;

    public WebhookReceiver(Journal journal, TrainingApi api, MeterRegistry metrics) {
        this.journal = journal;
        this.api = api;
        this.metrics = metrics;
    }

    /** @param event the body, as the route unmarshalled it; null when it was not strict JSON */
    public WebhookReceipt receive(String token, JsonNode event) {
        WebhookReceipt receipt = handle(token, event);
        if (PhotoLinkCheck.PROBE_TOKEN.equals(token)) {
            // DreamDrop asking itself, from outside in, before a training request: not a webhook to count
            return receipt;
        }
        String outcome = receipt.change() == null ? "refused_" + receipt.httpStatus()
                : receipt.change().applied() ? "applied" : "recorded_not_applied";
        metrics.counter("dreamdrop.webhook.events", "outcome", outcome).increment();
        return receipt;
    }

    private WebhookReceipt handle(String token, JsonNode event) {
        Job job = token == null ? null : journal.findByWebhookToken(token).orElse(null);
        if (job == null) {
            return WebhookReceipt.refused(404, "unknown webhook");
        }
        if (event == null || !event.isObject() || !event.path("training_status").isTextual()
                || !event.path("model_id").isTextual()) {
            return WebhookReceipt.refused(400, "expected a JSON object with training_status and model_id");
        }
        String modelId = event.get("model_id").asText();
        if (job.trainingId() != null && !job.trainingId().equals(modelId)) {
            LOG.warn("Webhook for set {} (job {}) names another training; refused", job.setName(), job.id());
            return WebhookReceipt.refused(409, "model_id does not belong to this webhook");
        }
        if (job.trainingId() == null) {
            // the submission's answer was lost (unknown outcome) or has not been recorded yet: the token proves
            // this training was started for this job
            journal.adoptTrainingId(job.id(), modelId);
            LOG.info("Set {} (job {}): its webhook names training {}, started for it", job.setName(), job.id(),
                    modelId);
        }
        String reported = event.get("training_status").asText().trim();
        String outcome = event.path("status").asText("").toLowerCase(Locale.ROOT);
        String status = outcome.equals("failed") || outcome.equals("error") ? TrainingStatus.FAILED : reported;
        String detail = printable(event.path("logs").asText(""));
        if (TrainingStatus.isTerminal(status) && !TrainingStatus.isTerminal(job.status())) {
            String confirmed = api.trainingStatus(modelId, job.endpoint()).reportedTrainingStatus();
            if (confirmed != null && !confirmed.equals(status)) {
                LOG.warn("Webhook for set {} (job {}) says {} but fine_tune_status says {}; believing the latter",
                        job.setName(), job.id(), status, confirmed);
                journal.note(job.id(), status, "webhook", "not confirmed by fine_tune_status, which says "
                        + confirmed + "; " + detail);
                return WebhookReceipt.accepted(journal.record(job.id(), confirmed, "poll", "fine_tune_status"));
            }
        }
        StatusChange change = journal.record(job.id(), status, "webhook", detail);
        if (change.applied()) {
            LOG.info("Set {} (job {}, training {}): {}", job.setName(), job.id(), modelId, status);
        }
        return WebhookReceipt.accepted(change);
    }

    private static String printable(String text) {
        String clean = text.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", "?");
        return clean.length() > 2000 ? clean.substring(0, 2000) + "..." : clean;
    }
}
