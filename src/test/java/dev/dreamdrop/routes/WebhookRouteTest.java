package dev.dreamdrop.routes;

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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** routes/webhook.camel.yaml: the body unmarshalled strictly by camel-jackson, judged and journalled by the bean. */
class WebhookRouteTest extends DreamDropRouteTest {

    private static final String EVENT = "{\"status\": \"success\", \"training_status\": \"deploying_gpu\","
            + " \"model_id\": \"hook-1\", \"logs\": \"\"}";
    private final HttpClient http = HttpClient.newHttpClient();

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
        return http.send(HttpRequest.newBuilder(URI.create(publicUrl() + "/webhook/" + token))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
