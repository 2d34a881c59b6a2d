package dev.dreamdrop.observe;

import dev.dreamdrop.s3.S3Access;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Map;

/** The bucket can be reached with DreamDrop's credentials. */
public class S3HealthCheck extends AbstractHealthCheck {

    private final S3Access s3;

    public S3HealthCheck(S3Access s3) {
        super("dreamdrop", "s3");
        this.s3 = s3;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("bucket", s3.settings().bucket());
        try {
            s3.client().headBucket(b -> b.bucket(s3.settings().bucket()));
            builder.up();
        } catch (SdkException e) {
            builder.down().message("the bucket cannot be reached: " + e.getMessage());
        }
    }
}
