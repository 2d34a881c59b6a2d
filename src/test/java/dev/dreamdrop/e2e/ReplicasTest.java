package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.sandbox.RecordedRequest;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.sandbox.WebhookFault;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningPostgres;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import dev.dreamdrop.testing.Trainings;
import dev.dreamdrop.testing.WebhookBalancer;
import jakarta.mail.internet.MimeMessage;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three DreamDrop instances on one PostgreSQL and one bucket, behind one load balancer for webhooks, as on
 * Kubernetes: every set trained exactly once, even when a replica dies mid-run.
 */
class ReplicasTest {

    private static final int SETS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RunningPostgres postgres;

    @TempDir
    Path data;

    private String databaseUrl;
    private RunningS3 s3;
    private TrainingApiSandbox sandbox;
    private WebhookBalancer balancer;
    private final List<RunningDreamDrop> replicas = new ArrayList<>();

    @BeforeAll
    static void startPostgres() {
        postgres = RunningPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void start() throws Exception {
        databaseUrl = postgres.newDatabaseUrl();
        s3 = new RunningS3();
        balancer = new WebhookBalancer();
    }

    @AfterEach
    void stop() throws Exception {
        replicas.forEach(RunningDreamDrop::close);
        balancer.close();
        if (sandbox != null) {
            sandbox.close();
        }
        s3.close();
    }

    private Map<String, String> replicaSettings(String id, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(s3.settings());
        settings.put("dreamdrop.instance-id", id);
        settings.put("dreamdrop.db.url", databaseUrl);
        settings.put("dreamdrop.db.username", "postgres");
        settings.put("dreamdrop.db.password", "postgres");
        settings.put("dreamdrop.db.pool-size", "4");
        settings.put("dreamdrop.intake", "s3");
        settings.put("dreamdrop.storage.sink", "s3");
        settings.put("dreamdrop.images.hosting", "s3");
        settings.put("dreamdrop.s3.staging-dir", data.resolve(id).resolve("s3-staging").toString());
        settings.put("dreamdrop.public-url", balancer.url());
        settings.put("dreamdrop.replicas.heartbeat-interval", "500ms");
        settings.put("dreamdrop.replicas.lease", "3s");
        // three instances, PostgreSQL, S3 and the sandbox share 2 cores here: the test suite's 5 s would turn
        // slow answers into unknown outcomes, which this test is not about
        settings.put("dreamdrop.api.timeout", "30s");
        settings.putAll(extra);
        return settings;
    }

    private RunningDreamDrop startReplica(String id, Map<String, String> extra) {
        RunningDreamDrop replica = RunningDreamDrop.start(data.resolve(id), sandbox, replicaSettings(id, extra));
        replicas.add(replica);
        balancer.add(replica.publicUrl());
        return replica;
    }

    private void dropSets() throws Exception {
        Path set = data.resolve("upload");
        TestPhotos.writeSet(set, 1);
        for (int i = 0; i < SETS; i++) {
            Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of set-" + i + " person\n");
            s3.upload(set, "inbox/set-" + i + "/", true);
        }
    }

    @Test
    void threeReplicasTrainEachSetExactlyOnce() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        for (String id : List.of("replica-a", "replica-b", "replica-c")) {
            startReplica(id, Map.of());
        }
        dropSets();

        awaitAllReady(Duration.ofMinutes(3));
        assertEachSetTrainedOnceWithCompleteResults();
        Map<String, Integer> claims = claimsByReplica();
        assertTrue(claims.size() >= 2, "the work was shared: " + claims);
    }

    @Test
    void aReplicaKilledMidRunLosesNothingAndDoublesNothing() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
        // replica-c's two submitting threads get no answer from the API until it is dead: it dies holding both
        // submissions the API received and sets it claimed but has not submitted, and, its threads all waiting,
        // cannot be caught half-way through sending a request (a request the API never got would rightly stay
        // unknown_outcome, which is another test's subject)
        int submittingThreads = 2;
        sandbox.holdNextTrainingRequests(submittingThreads);
        Map<String, String> childSettings = replicaSettings("replica-c", Map.of(
                "dreamdrop.inbox.poll-interval", "100ms", "dreamdrop.s3.poll-interval", "100ms",
                "dreamdrop.intake.concurrency", String.valueOf(submittingThreads)));
        List<String> held;
        List<String> awaitingAnswer;
        try (DreamDropProcess doomed = DreamDropProcess.start(data.resolve("replica-c"), sandbox, "256m",
                childSettings)) {
            doomed.awaitReady(Duration.ofSeconds(60));
            balancer.add(doomed.publicUrl());
            dropSets();
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> sandbox.heldTrainingRequests() == submittingThreads
                            && heldBy("replica-c").size() > submittingThreads);
            startReplica("replica-a", Map.of());
            startReplica("replica-b", Map.of());
            doomed.kill();
            held = heldBy("replica-c");
            awaitingAnswer = query("SELECT set_name FROM jobs WHERE owner = 'replica-c' AND status = 'submitting'"
                    + " AND api_called_at IS NOT NULL");
        }
        assertEquals(submittingThreads, awaitingAnswer.size(), "killed while waiting for the API: " + awaitingAnswer);
        // the survivors cannot know whether the API got those two: they park them, never resubmitting
        await().atMost(Duration.ofSeconds(60)).until(() -> query("SELECT set_name FROM jobs"
                + " WHERE status = 'unknown_outcome'").containsAll(awaitingAnswer));
        // the API got them and starts their trainings: their webhooks settle the two jobs
        sandbox.releaseHeldTrainingRequests();

        awaitAllReady(Duration.ofMinutes(3));
        assertEachSetTrainedOnceWithCompleteResults();
        assertTrue(heldBy("replica-c").isEmpty(), "the dead replica's sets were taken over: " + held);
        for (String set : held) {
            assertTrue(query("SELECT owner FROM jobs WHERE set_name = '" + set + "'").stream()
                    .noneMatch("replica-c"::equals), set + " finished by another replica");
        }
    }

    @Test
    void aReplicaKilledRightAfterTheLastWebhookLeavesNoResultAndNoEmailBehind() throws Exception {
        int sets = 24;
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
        // SMTP comes up only after the kill: no email can be half sent by the dead replica
        int smtpPort = RunningDreamDrop.freePort();
        Map<String, String> mail = Map.of("dreamdrop.mail.host", "127.0.0.1",
                "dreamdrop.mail.port", String.valueOf(smtpPort), "dreamdrop.mail.statuses", "model_ready",
                "dreamdrop.mail.retry-initial-delay", "500ms", "dreamdrop.mail.retry-max-delay", "2s");
        Map<String, String> doomedSettings = new HashMap<>(replicaSettings("replica-c", mail));
        doomedSettings.put("dreamdrop.s3.poll-interval", "100ms");
        try (DreamDropProcess doomed = DreamDropProcess.start(data.resolve("replica-c"), sandbox, "256m",
                doomedSettings)) {
            doomed.awaitReady(Duration.ofSeconds(60));
            balancer.add(doomed.publicUrl());
            startReplica("replica-a", mail);
            Path upload = data.resolve("upload");
            TestPhotos.writeSet(upload, 1);
            for (int i = 0; i < sets; i++) {
                Files.writeString(upload.resolve("training.yaml"), "instance_prompt: photo of set-" + i
                        + " person\nnotify_email: set-" + i + "@example.com\n");
                s3.upload(upload, "inbox/set-" + i + "/", true);
            }
            await().atMost(Duration.ofMinutes(2)).until(() -> sandbox.trainingIds().size() == sets
                    && sandbox.webhooks().size() == sets);
            // the webhooks are spread over both replicas by the balancer, and both route from the one journal
            Trainings.finishAllAtOnce(sandbox);
            doomed.kill();
        }
        assertEquals(List.of(), Trainings.unacknowledged(sandbox), "every webhook acknowledged before the kill");
        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> {
                        for (int i = 0; i < sets; i++) {
                            if (!"model_ready".equals(JSON.readTree(s3.text("results/set-" + i + "/status.json"))
                                    .get("status").asText())) {
                                return false;
                            }
                        }
                        return smtp.getReceivedMessages().length >= sets;
                    });
            Thread.sleep(2000);
            Map<String, Integer> expected = new HashMap<>();
            for (int i = 0; i < sets; i++) {
                expected.put("set-" + i + "@example.com", 1);
                DurableOutboxTest.assertHistoryComplete(s3.text("results/set-" + i + "/events.jsonl"), "set-" + i);
            }
            assertEquals(expected, Trainings.emailsPerRecipient(smtp.getReceivedMessages()),
                    "exactly one model_ready email per set");
            assertEquals(0, count("SELECT COUNT(*) FROM status_outbox WHERE state = 'pending'"), "all routed");
        } finally {
            smtp.stop();
        }
    }

    @Test
    void webhooksForOneJobSpreadOverAllReplicas() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
        int smtpPort = RunningDreamDrop.freePort();
        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
        try {
            Map<String, String> mail = Map.of("dreamdrop.mail.host", "127.0.0.1",
                    "dreamdrop.mail.port", String.valueOf(smtpPort), "dreamdrop.mail.to", "ops@example.com",
                    "dreamdrop.mail.statuses", String.join(",", TrainingStatus.TRAINING_STEPS),
                    "dreamdrop.mail.poll-interval", "100ms");
            for (String id : List.of("replica-a", "replica-b", "replica-c")) {
                startReplica(id, mail);
            }
            Path set = data.resolve("upload-one");
            TestPhotos.writeSet(set, 2);
            Files.writeString(set.resolve("training.yaml"), "instance_prompt: photo of spread person\n");
            s3.upload(set, "inbox/spread/", true);
            await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.trainingIds().size() == 1);
            String training = sandbox.trainingIds().iterator().next();
            sandbox.webhookFault(WebhookFault.DUPLICATE, 100);
            for (int step = 1; step < TrainingStatus.TRAINING_STEPS.size(); step++) {
                sandbox.advance(training);
                Thread.sleep(200);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses().contains("model_ready"));

            assertEquals(3, balancer.served().size(), "every replica took webhooks: " + balancer.served());
            List<String> applied = appliedStatuses();
            List<String> expected = new ArrayList<>(List.of("claimed", "submitting"));
            expected.addAll(TrainingStatus.TRAINING_STEPS);
            assertEquals(expected, applied, "the whole history, in order, no regression");
            await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length
                    >= TrainingStatus.TRAINING_STEPS.size());
            Thread.sleep(1000);
            List<String> subjects = new ArrayList<>();
            for (MimeMessage message : smtp.getReceivedMessages()) {
                subjects.add(message.getSubject());
            }
            assertEquals(TrainingStatus.TRAINING_STEPS.size(), subjects.size(), "one email per status: " + subjects);
            assertEquals(subjects.size(), Set.copyOf(subjects).size(), "no status mailed twice: " + subjects);
        } finally {
            smtp.stop();
        }
    }

    private void awaitAllReady(Duration timeout) throws Exception {
        try {
            await().atMost(timeout).pollInterval(Duration.ofMillis(500))
                    .until(() -> count("SELECT COUNT(*) FROM jobs WHERE status = 'model_ready'") == SETS
                            && s3.keys("inbox/").isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not all sets trained: jobs by status and owner "
                    + query("SELECT j.status || ' ' || COALESCE(j.owner, '-') || ' ' || j.set_name || ': '"
                    + " || (SELECT string_agg(e.status || '/' || e.source || '/' || COALESCE(e.detail, ''), '; '"
                    + " ORDER BY e.id) FROM job_events e WHERE e.job_id = j.id) FROM jobs j"
                    + " WHERE j.status <> 'model_ready'") + ", still in the inbox " + s3.keys("inbox/"), e);
        }
    }

    private void assertEachSetTrainedOnceWithCompleteResults() throws Exception {
        List<RecordedRequest> trainings = sandbox.requests("/api/v3/fine_tune");
        assertEquals(SETS, trainings.size(), "one training request per set");
        assertEquals(SETS, sandbox.trainingIds().size(), "one training per set");
        Map<String, Integer> perSet = new HashMap<>();
        for (RecordedRequest request : trainings) {
            perSet.merge(JSON.readTree(request.body()).get("instance_prompt").asText(), 1, Integer::sum);
        }
        assertEquals(SETS, perSet.size(), "every set trained");
        assertEquals(SETS, count("SELECT COUNT(*) FROM jobs"), "one job per set");
        for (int i = 0; i < SETS; i++) {
            String prefix = "results/set-" + i + "/";
            // the sinks run after the journal: the bucket catches up a moment later
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                    "model_ready".equals(JSON.readTree(s3.text(prefix + "status.json")).get("status").asText()));
            assertTrue(s3.text(prefix + "events.jsonl").contains("\"model_ready\""), "set-" + i + " events");
            assertEquals("***", JSON.readTree(s3.text(prefix + "request.json")).get("key").asText());
            assertTrue(!s3.keys("archive/set-" + i + "/").isEmpty(), "set-" + i + " archived");
        }
        assertEquals(SETS, s3.keys("archive/").stream().filter(key -> key.endsWith("/READY")).count(),
                "each set archived once");
    }

    /** Sets the replica claimed and has not submitted yet (claimed, or being submitted). */
    private List<String> heldBy(String replica) throws Exception {
        List<String> sets = new ArrayList<>();
        try (Connection c = connect(); PreparedStatement q = c.prepareStatement(
                "SELECT set_name FROM jobs WHERE owner = ? AND status IN ('claimed', 'submitting')")) {
            q.setString(1, replica);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    sets.add(rs.getString(1));
                }
            }
        }
        return sets;
    }

    private Map<String, Integer> claimsByReplica() throws Exception {
        Map<String, Integer> claims = new HashMap<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT owner, COUNT(*) FROM jobs GROUP BY owner")) {
            while (rs.next()) {
                claims.put(rs.getString(1), rs.getInt(2));
            }
        }
        return claims;
    }

    private List<String> statuses() throws Exception {
        return query("SELECT status FROM jobs");
    }

    private List<String> appliedStatuses() throws Exception {
        return query("SELECT status FROM job_events WHERE applied ORDER BY id");
    }

    private List<String> query(String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private long count(String sql) throws Exception {
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(databaseUrl, "postgres", "postgres");
    }
}
