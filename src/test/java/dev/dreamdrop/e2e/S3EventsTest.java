package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * S3 event notifications through SQS (dreamdrop.s3.events-queue), against ElasticMQ in this JVM, with the
 * notification JSON as AWS sends it: a READY announced reaches the training API within a second while the listing
 * waits ten minutes; with the queue away, the listing still takes sets and the health check says the queue is down.
 */
class S3EventsTest {

    private static final String MANIFEST = "instance_prompt: photo of sks dog\n";
    private static final String FINE_TUNE = "/api/v3/fine_tune";

    @TempDir
    Path data;

    /** The notification S3 sends for a new object, as the S3 documentation shows it (the key URL-encoded). */
    private static String notification(String key) {
        return """
                {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
                "eventTime":"2026-12-06T10:00:00.000Z","eventName":"ObjectCreated:Put",
                "userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},"requestParameters":{"sourceIPAddress":"127.0.0.1"},
                "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
                "s3":{"s3SchemaVersion":"1.0","configurationId":"dreamdrop-ready","bucket":{"name":"%s",
                "ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::%s"},
                "object":{"key":"%s","size":0,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}
                """.formatted(RunningS3.BUCKET, RunningS3.BUCKET, key);
    }

    @Test
    void aReadyAnnouncedOnTheQueueReachesTheApiWithinASecondWhileTheListingWaitsTenMinutes() throws Exception {
        int port = RunningDreamDrop.freePort();
        SQSRestServer elasticMq = SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1").start();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3();
             SqsClient sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port))
                     .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create(RunningS3.ACCESS_KEY, RunningS3.SECRET_KEY))).build()) {
            elasticMq.waitUntilStarted();
            String queue = sqs.createQueue(b -> b.queueName("dreamdrop-uploads")).queueUrl();
            Map<String, String> settings = s3Intake(s3);
            settings.put("dreamdrop.s3.poll-interval", "10m");
            settings.put("dreamdrop.s3.events-queue", queue);
            settings.put("dreamdrop.s3.events-endpoint", "http://127.0.0.1:" + port);
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                // the first listing, at start-up, is done: from now on only the queue can bring the set in
                Thread.sleep(1_000);
                sqs.sendMessage(b -> b.queueUrl(queue).messageBody("{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\","
                        + "\"Bucket\":\"" + RunningS3.BUCKET + "\"}"));
                // the first set of a JVM loads the image natives (about a second and a half): it goes first
                upload(s3, "warm");
                sqs.sendMessage(b -> b.queueUrl(queue).messageBody(notification("inbox/warm/READY")));
                await().atMost(Duration.ofSeconds(20)).until(() -> sandbox.requests(FINE_TUNE).size() == 1);
                upload(s3, "rex");

                long announced = System.nanoTime();
                sqs.sendMessage(b -> b.queueUrl(queue).messageBody(notification("inbox/rex/READY")));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                        .until(() -> sandbox.requests(FINE_TUNE).size() == 2);
                long millis = (System.nanoTime() - announced) / 1_000_000;
                System.out.printf("READY announced on the queue -> training API called: %d ms%n", millis);
                assertTrue(millis < 1_000, "READY to the API in " + millis + " ms");

                dreamDrop.awaitStatus("rex", "model_ready");
                await().atMost(Duration.ofSeconds(10)).until(() -> Integer.parseInt(sqs.getQueueAttributes(b -> b
                        .queueUrl(queue).attributeNamesWithStrings("ApproximateNumberOfMessages",
                                "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings().values().stream()
                        .mapToInt(Integer::parseInt).sum() + "") == 0);
                assertEquals(2, sandbox.requests(FINE_TUNE).size(), "one training each");
            }
        } finally {
            elasticMq.stopAndWait();
        }
    }

    @Test
    void withTheQueueAwayTheListingStillTakesSetsAndTheHealthCheckSaysTheQueueIsDown() throws Exception {
        int nothing = RunningDreamDrop.freePort();
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3()) {
            Map<String, String> settings = s3Intake(s3);
            settings.put("dreamdrop.s3.events-queue", "http://127.0.0.1:" + nothing + "/000000000000/away");
            settings.put("dreamdrop.s3.events-endpoint", "http://127.0.0.1:" + nothing);
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                upload(s3, "rex");
                dreamDrop.awaitStatus("rex", "model_ready");

                HttpClient http = HttpClient.newHttpClient();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl()
                            + "/observe/health")).build(), HttpResponse.BodyHandlers.ofString());
                    return health.statusCode() == 503 && downChecks(health.body()).contains("s3-sets-as-soon");
                });
            }
        }
    }

    private static String downChecks(String health) throws Exception {
        StringBuilder down = new StringBuilder();
        new ObjectMapper().readTree(health).path("checks").forEach(check -> {
            if ("DOWN".equals(check.path("status").asText())) {
                down.append(check.path("name").asText()).append(' ');
            }
        });
        return down.toString();
    }

    private void upload(RunningS3 s3, String name) throws Exception {
        Path set = data.resolve("upload").resolve(name);
        TestPhotos.writeSet(set, 2);
        Files.writeString(set.resolve("training.yaml"), MANIFEST);
        s3.upload(set, "inbox/" + name + "/", true);
    }

    private Map<String, String> s3Intake(RunningS3 s3) {
        Map<String, String> settings = new HashMap<>(s3.settings());
        settings.put("dreamdrop.intake", "s3");
        settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
        return settings;
    }
}
