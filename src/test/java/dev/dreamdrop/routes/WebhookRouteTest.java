package dev.dreamdrop.routes;

import com.standardwebhooks.Webhook;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.testing.DreamDropRouteTest;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** routes/webhook.camel.yaml: the body unmarshalled strictly by camel-jackson, judged and journalled by the bean. */
class WebhookRouteTest extends DreamDropRouteTest {

    private static final String EVENT = "{\"status\": \"success\", \"training_status\": \"deploying_gpu\","
            + " \"model_id\": \"hook-1\", \"logs\": \"\"}";
    private static final String SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.api.webhook-secret", SECRET);
    }

    @Test
    void aSignedWebhookIsVerifiedAndJournalled() throws Exception {
        startDreamDrop();
        Job job = journal().claim("folder", "signed", "fingerprint").orElseThrow();
        long now = Instant.now().getEpochSecond();

        HttpResponse<String> answer = post(job.webhookToken(), EVENT, signed("msg_1", now, EVENT, SECRET));

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("hook-1", journal().find(job.id()).orElseThrow().trainingId());
    }

    @Test
    void aForgedOrStaleSignedWebhookIsRefusedWith401AndJournalsNothing() throws Exception {
        startDreamDrop();
        Job job = journal().claim("folder", "forged", "fingerprint").orElseThrow();
        long now = Instant.now().getEpochSecond();

        Map<String, String> otherSecret = signed("msg_1", now, EVENT, "whsec_" + Base64.getEncoder()
                .encodeToString("another secret of 32 bytes long!".getBytes(StandardCharsets.UTF_8)));
        Map<String, String> tenMinutesOld = signed("msg_2", now - 600, EVENT, SECRET);
        Map<String, String> otherBody = signed("msg_3", now, EVENT.replace("deploying_gpu", "model_ready"), SECRET);

        for (Map<String, String> headers : List.of(otherSecret, tenMinutesOld, otherBody)) {
            HttpResponse<String> answer = post(job.webhookToken(), EVENT, headers);
            assertEquals(401, answer.statusCode(), answer.body());
        }
        assertNull(journal().find(job.id()).orElseThrow().trainingId(), "nothing adopted from a forged webhook");
        assertEquals(1, journal().events(job.id()).size(), "only the claim is journalled");
    }

    private static Map<String, String> signed(String id, long timestamp, String body, String secret)
            throws Exception {
        return Map.of("webhook-id", id, "webhook-timestamp", String.valueOf(timestamp),
                "webhook-signature", new Webhook(secret).sign(id, timestamp, body));
    }

    @Test
    void aStrictJsonEventIsJournalledBeforeTheAnswer() throws Exception {
        startDreamDrop();
        Job job = journal().claim("folder", "hooked", "fingerprint").orElseThrow();
        NotifyBuilder received = new NotifyBuilder(context).fromRoute("receive-training-webhooks").whenCompleted(1)
                .create();

        assertEquals(200, post(job.webhookToken(), EVENT).statusCode());

        assertTrue(received.matches(5, TimeUnit.SECONDS));
        assertEquals("hook-1", journal().find(job.id()).orElseThrow().trainingId(), "adopted from the webhook");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"training_status\": \"deploying_gpu\", \"model_id\": \"hook-1\",}",
            "{\"training_status\": \"deploying_gpu\", \"model_id\": \"hook-1\"} trailing", "", "[]",
            "{\"training_status\": \"deploying_gpu\" /* comment */, \"model_id\": \"hook-1\"}"})
    void anythingButStrictJsonIsRefusedWith400AndJournalsNothing(String body) throws Exception {
        startDreamDrop();
        Job job = journal().claim("folder", "hooked", "fingerprint").orElseThrow();

        HttpResponse<String> answer = post(job.webhookToken(), body);

        assertEquals(400, answer.statusCode(), answer.body());
        assertNull(journal().find(job.id()).orElseThrow().trainingId());
    }

    @Test
    void anUnknownTokenIs404EvenWithABadBody() throws Exception {
        startDreamDrop();
        assertEquals(404, post("no-such-token", "not json").statusCode());
        assertEquals(404, post("no-such-token", EVENT).statusCode());
    }

    private HttpResponse<String> post(String token, String body) throws Exception {
        return post(token, body, Map.of());
    }

    private HttpResponse<String> post(String token, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(publicUrl() + "/webhook/" + token))
                .header("Content-Type", "application/json");
        headers.forEach(request::header);
        return http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
