package dev.dreamdrop.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The S3 client and presigner, built once from {@link S3Settings}. DreamDrop builds its own presigner rather
 * than Camel's, which ignores path-style access (see stack.md).
 */
public class S3Access implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3Access.class);

    private final S3Settings settings;
    private final AwsCredentialsProvider credentials;
    private final S3Client client;
    private final S3Presigner presigner;

    public S3Access(S3Settings settings, Duration timeout) {
        this.settings = settings;
        this.credentials = settings.accessKey() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()))
                : DefaultCredentialsProvider.builder().build();
        S3Configuration s3 = S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build();
        var clientBuilder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout).apiCallAttemptTimeout(timeout));
        var presignerBuilder = S3Presigner.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3);
        if (settings.endpoint() != null) {
            clientBuilder.endpointOverride(URI.create(settings.endpoint()));
            presignerBuilder.endpointOverride(URI.create(settings.endpoint()));
        }
        this.client = clientBuilder.build();
        this.presigner = presignerBuilder.build();
    }

    /**
     * A client of the SQS queue that receives the bucket's event notifications, with the bucket's region and
     * credentials; {@code endpoint} an SQS-compatible server, or null for AWS.
     */
    public SqsClient sqsClient(String endpoint, Duration timeout) {
        var builder = SqsClient.builder().region(Region.of(settings.region())).credentialsProvider(credentials)
                .overrideConfiguration(o -> o.apiCallTimeout(timeout.plusSeconds(25)));
        if (endpoint != null) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    public S3Settings settings() {
        return settings;
    }

    public S3Client client() {
        return client;
    }

    public S3Presigner presigner() {
        return presigner;
    }

    /**
     * The objects under a prefix, every page of them. Listing stays a plain SDK call: camel-aws2-s3's listObjects
     * is a single V1 page of at most 1,000 keys.
     */
    public List<S3Object> list(String prefix) {
        List<S3Object> objects = new ArrayList<>();
        client.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents().forEach(objects::add);
        return objects;
    }

    /** Presigned links die with temporary credentials: say so at start-up, when it can still be fixed. */
    public void warnIfCredentialsAreTemporary() {
        try {
            AwsCredentials resolved = credentials.resolveCredentials();
            if (resolved instanceof AwsSessionCredentials) {
                LOG.warn("The S3 credentials are temporary (a session token): presigned image links stop working"
                        + " when they expire, possibly before the training API fetches them. Prefer long-lived"
                        + " credentials for dreamdrop.images.hosting=s3.");
            }
        } catch (RuntimeException e) {
            LOG.warn("No S3 credentials could be found yet: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        client.close();
        presigner.close();
    }
}
