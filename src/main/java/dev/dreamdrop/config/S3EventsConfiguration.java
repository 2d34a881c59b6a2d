package dev.dreamdrop.config;

import dev.dreamdrop.s3.S3Access;
import org.apache.camel.CamelContext;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 event notifications through SQS (dreamdrop.s3.events-*), for routes/intake-s3-events.camel.yaml: on when a
 * queue is named and S3 intake is on. The route reads {@code dreamdrop.s3.events-enabled}, set here before the
 * routes are built. Off, its endpoint is built all the same, never started: it gets a queue name and a client
 * without credentials that it never uses.
 */
final class S3EventsConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(S3EventsConfiguration.class);

    private S3EventsConfiguration() {
    }

    static void configure(CamelContext context, Settings settings, S3Access s3, boolean s3Intake) {
        String queue = settings.text("dreamdrop.s3.events-queue");
        boolean enabled = s3Intake && !queue.isEmpty();
        context.getPropertiesComponent().addOverrideProperty("dreamdrop.s3.events-enabled", String.valueOf(enabled));
        if (!enabled) {
            if (!queue.isEmpty()) {
                LOG.warn("dreamdrop.s3.events-queue is set but S3 intake is off (dreamdrop.intake): not used");
            }
            context.getPropertiesComponent().addOverrideProperty("dreamdrop.s3.events-queue",
                    "https://sqs.invalid/s3-events-not-used");
            SqsClient unused = SqsClient.builder().region(Region.of(settings.text("dreamdrop.s3.region")))
                    .credentialsProvider(AnonymousCredentialsProvider.create()).build();
            context.getRegistry().bind("sqsClient", unused);
            DreamDropConfiguration.stopWith(context, unused::close);
            return;
        }
        if (!queue.startsWith("https://") && !queue.startsWith("http://")) {
            throw new IllegalArgumentException("Configuration key dreamdrop.s3.events-queue is '" + queue + "'; give the"
                    + " queue's URL (https://sqs.<region>.amazonaws.com/<account>/<queue>)");
        }
        SqsClient client = s3.sqsClient(settings.optional("dreamdrop.s3.events-endpoint"),
                settings.duration("dreamdrop.s3.timeout"));
        context.getRegistry().bind("sqsClient", client);
        DreamDropConfiguration.stopWith(context, client::close);
        LOG.info("S3: READY objects announced on SQS queue {} are taken at once; the listing every {} is the"
                + " backstop", queue, Settings.readable(settings.duration("dreamdrop.s3.poll-interval")));
    }
}
