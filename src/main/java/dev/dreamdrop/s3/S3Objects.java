package dev.dreamdrop.s3;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The object operations of routes/s3-objects.camel.yaml, for the beans that decide them in the middle of their
 * work. A failure comes back as the S3 SDK's own exception, as if the bean had made the call itself.
 */
public class S3Objects {

    private static final String KEY = "CamelAwsS3Key";

    private final ProducerTemplate producer;

    public S3Objects(ProducerTemplate producer) {
        this.producer = producer;
    }

    /**
     * Whether Camel's S3 component takes the key as it is: it evaluates a key containing {@code ${} as a Simple
     * expression, so an uploaded object named {@code ${...}} must never reach it.
     */
    public static boolean isLiteral(String key) {
        return !key.contains("${") && !key.contains("$simple{");
    }

    /** A folder set's name made usable in a key: {@code a${b}} becomes {@code a$_{b}}. */
    public static String literal(String name) {
        return name.replace("${", "$_{").replace("$simple{", "$_simple{");
    }

    /** @param content a String, bytes or a File */
    public void put(String key, Object content, String contentType) {
        send("direct:put-an-object-into-the-bucket", content, Map.of(KEY, key, "CamelAwsS3ContentType", contentType));
    }

    /** @param stagedPath where the copy goes, relative to dreamdrop.s3.staging-dir */
    public void download(String key, String stagedPath) {
        send("direct:download-an-object-into-the-staging-folder", null, Map.of(KEY, key, "CamelFileName", stagedPath));
    }

    public void move(String fromKey, String toKey) {
        send("direct:move-an-object-within-the-bucket", null, Map.of(KEY, fromKey, "CamelAwsS3DestinationKey", toKey));
    }

    public void delete(String key) {
        send("direct:delete-an-object-from-the-bucket", null, Map.of(KEY, key));
    }

    public String downloadLink(String key, Duration lifetime) {
        return (String) send("direct:sign-a-download-link-for-an-object", null,
                Map.of(KEY, key, "CamelAwsS3DowloadLinkExpirationTime", lifetime.toMillis()));
    }

    private Object send(String route, Object body, Map<String, Object> headers) {
        for (Object value : headers.values()) {
            if (value instanceof String key && !isLiteral(key)) {
                throw new IllegalArgumentException("S3 key " + key + " contains ${: Camel's S3 component would"
                        + " evaluate it as an expression");
            }
        }
        try {
            return producer.requestBodyAndHeaders(route, body, new HashMap<>(headers));
        } catch (CamelExecutionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
