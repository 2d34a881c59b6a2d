package dev.dreamdrop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * A receiver of DreamDrop's status events, as a customer would write one: every delivery is verified with the
 * Standard Webhooks library and the shared secret, and recorded with its webhook-id and the answer it got.
 */
public final class EventReceiver implements AutoCloseable {

    public static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /** One delivery as it arrived. */
    public record Delivery(String webhookId, JsonNode event, boolean verified, int answeredWith) {
    }

    private final HttpServer server;
    private final Webhook verifier;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private volatile IntSupplier answer = () -> 204;
    private volatile Duration delay = Duration.ZERO;

    private EventReceiver(HttpServer server) throws EmptyWebhookSecretException {
        this.server = server;
        this.verifier = new Webhook(SECRET);
    }

    public static EventReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            EventReceiver receiver = new EventReceiver(server);
            server.createContext("/events", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                boolean verified;
                try {
                    receiver.verifier.verify(body, Map.copyOf(exchange.getRequestHeaders().entrySet().stream()
                            .collect(java.util.stream.Collectors.toMap(e -> e.getKey().toLowerCase(),
                                    Map.Entry::getValue))));
                    verified = true;
                } catch (WebhookVerificationException e) {
                    verified = false;
                }
                sleep(receiver.delay);
                int status = receiver.answer.getAsInt();
                receiver.deliveries.add(new Delivery(exchange.getRequestHeaders().getFirst("webhook-id"),
                        receiver.json.readTree(body), verified, status));
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (EmptyWebhookSecretException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/events?customer=acme";
    }

    /** What the next deliveries are answered with, e.g. {@code () -> 500}. */
    public void answerWith(IntSupplier status) {
        this.answer = status;
    }

    public void delayAnswers(Duration delay) {
        this.delay = delay;
    }

    public List<Delivery> deliveries() {
        return new ArrayList<>(deliveries);
    }

    /** The deliveries answered with a 2xx, in the order they arrived. */
    public List<Delivery> accepted() {
        return deliveries.stream().filter(d -> d.answeredWith() >= 200 && d.answeredWith() < 300).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
