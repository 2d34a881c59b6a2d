package dev.dreamdrop.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.samples.SampleDocuments;
import dev.dreamdrop.storage.ResultsDocuments;
import org.apache.camel.Exchange;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What DreamDrop tells the systems around it: one JSON event per status change, in the Standard Webhooks format
 * ({@code type}, {@code timestamp}, {@code data}), signed with the {@code dreamdrop.events.secret} by the
 * official library. The signature is made at each attempt (its timestamp must be fresh for the receiver); the
 * {@code webhook-id} is the event's, the same at every attempt, so that a receiver can process each event once.
 */
public class StatusEvents {

    /** Event types are this prefix and the status: {@code training.model_ready}, {@code training.failed}... */
    public static final String TYPE_PREFIX = "training.";

    private final List<String> receivers;
    private final List<String> statuses;
    private final Webhook signer;
    private final UnaryOperator<String> resultsLocation;
    private final SampleDocuments samples;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param receivers       dreamdrop.events.urls; empty: only the sets that name their own receive events
     * @param statuses        the statuses that make an event; empty: every status change
     * @param secret          the {@code whsec_...} secret; null only when no event can be sent (no receivers)
     * @param resultsLocation where the results of a set (by name) are: a file: or s3: URI
     * @param samples         what a {@code training.samples_ready} event lists
     */
    public StatusEvents(List<String> receivers, List<String> statuses, String secret,
                        UnaryOperator<String> resultsLocation, SampleDocuments samples) {
        receivers.forEach(url -> checkReceiver(url, "dreamdrop.events.urls"));
        this.receivers = List.copyOf(receivers);
        this.statuses = List.copyOf(statuses);
        this.signer = secret == null || secret.isBlank() ? null : signer(secret);
        this.resultsLocation = resultsLocation;
        this.samples = samples;
    }

    private static Webhook signer(String secret) {
        try {
            return new Webhook(secret);
        } catch (RuntimeException | com.standardwebhooks.exceptions.EmptyWebhookSecretException e) {
            // the library's message would not be about the secret's value, but say nothing of it anyway
            throw new IllegalArgumentException("Configuration key dreamdrop.events.secret is not a Standard Webhooks"
                    + " secret: give whsec_ followed by base64 (e.g. whsec_ and 32 random bytes in base64)");
        }
    }

    /**
     * Refuses what is not an absolute http(s) URL: an event is never sent anywhere else.
     *
     * @param where the configuration key or manifest field it came from, for the message
     */
    public static void checkReceiver(String url, String where) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": '" + url + "' is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException(where + ": '" + url + "' is not an http:// or https:// URL");
        }
    }

    /** Whether events can be sent at all: a secret to sign them with. */
    public boolean enabled() {
        return signer != null;
    }

    /** Who hears about this job: every configured receiver, and the set's own. */
    public Set<String> receivers(List<String> setReceivers) {
        Set<String> all = new LinkedHashSet<>(receivers);
        all.addAll(setReceivers);
        return all;
    }

    public boolean wants(StatusChange change) {
        return change.isNews() && (statuses.isEmpty() || statuses.contains(change.status()));
    }

    /** The event's id, as receivers see it in {@code webhook-id}: one per status change, whatever the attempt. */
    public static String messageId(StatusChange change) {
        return "msg_" + change.jobId() + "_" + change.eventId();
    }

    /** The event as it is sent, for a change the journal applied to {@code job}. */
    public String body(StatusChange change, Job job) {
        ObjectNode event = json.createObjectNode();
        event.put("type", TYPE_PREFIX + change.status());
        event.put("timestamp", change.at().toString());
        ObjectNode data = event.putObject("data");
        data.put("set", job.setName());
        data.put("job_id", job.id());
        data.put("training_id", job.trainingId());
        data.put("status", change.status());
        data.put("previous_status", change.previous());
        int step = TrainingStatus.step(change.status());
        if (step > 0) {
            data.put("step", step);
            data.put("steps", TrainingStatus.TRAINING_STEPS.size());
        }
        data.put("at", change.at().toString());
        data.put("source", change.source());
        if (TrainingStatus.FAILED.equals(change.status()) || TrainingStatus.REJECTED.equals(change.status())
                || TrainingStatus.TIMED_OUT.equals(change.status())
                || TrainingStatus.UNKNOWN_OUTCOME.equals(change.status())) {
            data.put("error", change.detail());
        }
        String results = resultsLocation.apply(job.setName());
        data.put("results", results);
        if (TrainingStatus.ERASED.equals(change.status())) {
            // what was deleted, where: the results are gone with the rest
            data.put("summary", change.detail());
            data.remove("results");
        }
        if (TrainingStatus.SAMPLES_READY.equals(change.status())) {
            // each where the job's own folder keeps it: the set's folder shows a later job's once there is one
            String jobFolder = results.replaceFirst("/?$", "/") + ResultsDocuments.ResultsFolder.JOBS + "/" + job.id()
                    + "/";
            data.put("summary", change.detail());
            data.set("samples", samples.list(samples.of(job.id())));
            data.withArray("samples").forEach(sample -> {
                if (sample.has("file")) {
                    ((ObjectNode) sample).put("location", jobFolder + sample.get("file").asText());
                }
            });
        }
        return event.toString();
    }

    /** Sets the Standard Webhooks headers of one attempt to deliver {@code delivery}, signed now. */
    public void sign(EventOutbox.Delivery delivery, Exchange exchange) throws WebhookSigningException {
        long timestamp = Instant.now().getEpochSecond();
        exchange.getMessage().setHeader("webhook-id", delivery.messageId());
        exchange.getMessage().setHeader("webhook-timestamp", String.valueOf(timestamp));
        exchange.getMessage().setHeader("webhook-signature", signer.sign(delivery.messageId(), timestamp,
                delivery.body()));
    }
}
