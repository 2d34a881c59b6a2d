package dev.dreamdrop.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load balancer in front of the replicas, as on Kubernetes: one public URL, each request to the next replica
 * in turn, and to the one after when a replica does not answer (it died).
 */
public final class WebhookBalancer implements AutoCloseable {

    private final HttpServer server;
    private final List<String> backends = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public WebhookBalancer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().toString();
            HttpResponse<byte[]> answer = null;
            for (int tries = 0; tries < backends.size() && answer == null; tries++) {
                String backend = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
                try {
                    answer = http.send(HttpRequest.newBuilder(URI.create(backend + path))
                            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    served.computeIfAbsent(backend, b -> new AtomicInteger()).incrementAndGet();
                } catch (IOException down) {
                    // this replica is gone: the next one
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            byte[] reply = answer == null ? new byte[0] : answer.body();
            exchange.sendResponseHeaders(answer == null ? 502 : answer.statusCode(), reply.length == 0 ? -1 : reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void add(String backend) {
        backends.add(backend);
    }

    /** How many requests each replica answered. */
    public Map<String, Integer> served() {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        served.forEach((backend, count) -> counts.put(backend, count.get()));
        return counts;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
