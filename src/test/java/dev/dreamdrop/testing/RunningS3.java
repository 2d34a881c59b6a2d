package dev.dreamdrop.testing;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real S3 API server in this JVM (S3Proxy over an in-memory store), which can be stopped and started again on
 * the same port with its contents intact, to play a bucket that goes away and comes back. It records the
 * operations its clients ask for ({@link #operations()}), as its store sees them: one per S3 request.
 */
public final class RunningS3 implements AutoCloseable {

    public static final String ACCESS_KEY = "dreamdrop-test";
    public static final String SECRET_KEY = "dreamdrop-test-secret";
    public static final String BUCKET = "dreamdrop";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlobStore store;
    private final List<Operation> operations = new CopyOnWriteArrayList<>();
    private final int port = RunningDreamDrop.freePort();
    private S3Proxy proxy;
    private final S3Client client;

    public RunningS3() throws Exception {
        BlobStore memory = BlobStores.create("transient", new Properties());
        store = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (self, method, arguments) -> {
                    long started = System.nanoTime();
                    try {
                        return method.invoke(memory, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        // capability questions S3Proxy asks itself are not requests
                        if (!method.getName().startsWith("supports")) {
                            operations.add(Operation.of(method.getName(), arguments, started));
                        }
                    }
                });
        start();
        client = S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
        client.createBucket(b -> b.bucket(BUCKET));
    }

    /**
     * An operation of the store: a listing ({@code list}, with its prefix, and whether it is a listing's first page),
     * a HEAD ({@code blobMetadata...}), a GET ({@code getBlob}), a PUT ({@code putBlob})...; when it began and
     * ended ({@link System#nanoTime()}).
     */
    public record Operation(String name, String prefix, boolean firstPage, long startNanos, long endNanos) {
        static Operation of(String name, Object[] arguments, long started) {
            if (arguments != null && arguments.length == 1 && arguments[0] instanceof ListObjectsV2Request listing) {
                return new Operation(name, listing.prefix(), listing.continuationToken() == null, started,
                        System.nanoTime());
            }
            return new Operation(name, null, false, started, System.nanoTime());
        }

        public boolean isListingOf(String listed) {
            return name.equals("list") && listed.equals(prefix);
        }
    }

    /** The operations since the start, or since the last {@link #forgetOperations()}. */
    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    public void forgetOperations() {
        operations.clear();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public void start() throws Exception {
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create(endpoint()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
    }

    public void stop() throws Exception {
        proxy.stop();
    }

    public S3Client client() {
        return client;
    }

    /** DreamDrop's settings for this server. */
    public Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.put("dreamdrop.s3.bucket", BUCKET);
        settings.put("dreamdrop.s3.endpoint", endpoint());
        settings.put("dreamdrop.s3.path-style", "true");
        settings.put("dreamdrop.s3.access-key", ACCESS_KEY);
        settings.put("dreamdrop.s3.secret-key", SECRET_KEY);
        settings.put("dreamdrop.s3.poll-interval", "200ms");
        settings.put("dreamdrop.s3.retry-max-delay", "2s");
        settings.put("dreamdrop.s3.timeout", "3s");
        return settings;
    }

    /** Uploads a set's files from a local folder under {@code prefix}, READY last if {@code ready}. */
    public void upload(Path dir, String prefix, boolean ready) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                client.putObject(b -> b.bucket(BUCKET).key(prefix + file.getFileName()), RequestBody.fromFile(file));
            }
        }
        if (ready) {
            client.putObject(b -> b.bucket(BUCKET).key(prefix + "READY"), RequestBody.empty());
        }
    }

    public List<String> keys(String prefix) {
        return client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).sorted().toList();
    }

    public String text(String key) {
        return client.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String();
    }

    /** The status in {@code results/<set>/status.json}, or null while there is none. */
    public String statusOf(String set) {
        String key = "results/" + set + "/status.json";
        if (keys(key).isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(text(key)).get("status").asText();
        } catch (Exception e) {
            return null;
        }
    }

    public void awaitStatus(String set, String status) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                .until(() -> status.equals(statusOf(set)));
    }

    @Override
    public void close() throws Exception {
        client.close();
        proxy.stop();
    }
}
