package dev.dreamdrop.s3;

import java.time.Duration;

/**
 * The bucket DreamDrop works with ({@code dreamdrop.s3.*}), and where in it each kind of object lives. Every
 * prefix ends with a slash.
 *
 * @param endpoint  an S3-compatible server (MinIO, Ceph, S3Proxy ...), or null for AWS
 * @param accessKey null to use the AWS default credentials chain
 */
public record S3Settings(String bucket, String region, String endpoint, boolean pathStyle, String accessKey,
                         String secretKey, String inboxPrefix, String preparedPrefix, String archivePrefix,
                         String failedPrefix, String resultsPrefix, Duration linkLifetime, Duration retryMaxDelay) {

    public static String asPrefix(String prefix) {
        String trimmed = prefix.trim();
        return trimmed.isEmpty() || trimmed.endsWith("/") ? trimmed : trimmed + "/";
    }
}
