package dev.dreamdrop.journal;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.config.Backoff;
import dev.dreamdrop.retention.Erasure;
import dev.dreamdrop.retention.Erasures;
import dev.dreamdrop.retention.JobPhotos;
import dev.dreamdrop.mail.MailOutbox;
import dev.dreamdrop.mail.MailSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal's rules, on H2 (one instance) and on PostgreSQL (replicas): see the two subclasses. */
abstract class JournalTest {

    private HikariDataSource pool;
    private Journal journal;

    /** A fresh, empty database. */
    abstract String databaseUrl();

    @BeforeEach
    void open() {
        pool = pool(databaseUrl());
        journal = new Journal(pool, "replica-a");
        journal.migrate();
        journal.migrate();
        journal.heartbeat();
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(url.startsWith("jdbc:h2:") ? "sa" : "postgres");
        config.setPassword(url.startsWith("jdbc:h2:") ? "" : "postgres");
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void aDeadReplicasWorkIsTakenOverByExactlyOneOther() throws Exception {
        Job claimed = journal.claim("s3", "alex", "fp").orElseThrow();
        Job submitting = journal.claim("s3", "blake", "fp").orElseThrow();
        journal.record(submitting.id(), TrainingStatus.SUBMITTING, "submit", "");
        Journal b = new Journal(pool, "replica-b");
        Journal c = new Journal(pool, "replica-c");
        b.heartbeat();
        c.heartbeat();
        assertTrue(b.orphanedJobs(Duration.ofSeconds(30)).isEmpty(), "replica-a beat at start: alive");

        Thread.sleep(300);
        b.heartbeat();
        c.heartbeat();
        List<Job> orphans = b.orphanedJobs(Duration.ofMillis(200));
        assertEquals(List.of(claimed.id(), submitting.id()), orphans.stream().map(Job::id).toList());
        assertTrue(journal.orphanedJobs(Duration.ofMillis(200)).isEmpty(), "nobody takes over its own work");

        ExecutorService threads = Executors.newFixedThreadPool(2);
        Future<Boolean> byB = threads.submit(() -> b.takeOver(orphans.get(0)));
        Future<Boolean> byC = threads.submit(() -> c.takeOver(orphans.get(0)));
        assertTrue(byB.get() ^ byC.get(), "exactly one replica takes the claim over");
        threads.shutdown();
        String newOwner = journal.find(claimed.id()).orElseThrow().owner();
        assertTrue(newOwner.equals("replica-b") || newOwner.equals("replica-c"), newOwner);
        assertEquals(List.of(submitting.id()), c.orphanedJobs(Duration.ofMillis(200)).stream().map(Job::id).toList(),
                "a job taken over is no orphan while its new owner beats");
    }

    @Test
    void aJobWithoutOwnerFromAnOlderJournalIsAnOrphan() {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        Sql.update(pool, "test", "UPDATE jobs SET owner = NULL WHERE id = ?", job.id());
        assertEquals(1, journal.orphanedJobs(Duration.ofSeconds(30)).size());
        assertTrue(journal.takeOver(journal.find(job.id()).orElseThrow()));
        assertEquals("replica-a", journal.find(job.id()).orElseThrow().owner());
    }

    @Test
    void replicasTakeTurnsPollingATraining() {
        Job job = journal.claim("s3", "alex", "fp").orElseThrow();
        Journal b = new Journal(pool, "replica-b");
        assertTrue(journal.reservePoll(job.id(), Duration.ofMinutes(10)));
        assertFalse(b.reservePoll(job.id(), Duration.ofMinutes(10)), "polled a moment ago by replica-a");
        assertTrue(b.reservePoll(job.id(), Duration.ZERO.minusSeconds(1)), "due again after the interval");
    }

    @Test
    void aMoveDestinationIsChosenOnceForAllReplicas() {
        Job job = journal.claim("s3", "alex", "fp").orElseThrow();
        assertEquals("archive/alex/", journal.moveDestination(job.id(), () -> "archive/alex/"));
        assertEquals("archive/alex/", new Journal(pool, "replica-b").moveDestination(job.id(),
                () -> "archive/alex.other/"));
        assertEquals("archive/alex/", journal.movedTo(job.id()).orElseThrow());
    }

    @Test
    void aSetIsClaimedOnceWhileActiveEvenByConcurrentScans() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<Boolean>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            claims.add(threads.submit(() -> journal.claim("folder", "alex", "fp").isPresent()));
        }
        int won = 0;
        for (Future<Boolean> claim : claims) {
            won += claim.get() ? 1 : 0;
        }
        threads.shutdown();
        assertEquals(1, won);
        assertTrue(journal.isActive("folder", "alex"));
        assertFalse(journal.isActive("s3", "alex"), "sources are apart");
    }

    @Test
    void theSameSetNameCanComeAgainOnceTheFirstLeftTheInbox() {
        Job first = journal.claim("folder", "alex", "fp1").orElseThrow();
        journal.record(first.id(), TrainingStatus.SUBMITTING, "submit", "");
        assertTrue(journal.isActive("folder", "alex"));
        journal.record(first.id(), "deploying_gpu", "submit", "");
        assertFalse(journal.isActive("folder", "alex"));
        Job second = journal.claim("folder", "alex", "fp2").orElseThrow();
        assertNotEquals(first.id(), second.id());
        assertNotEquals(first.webhookToken(), second.webhookToken());
        assertEquals(48, second.webhookToken().length());
    }

    @Test
    void statusesOnlyMoveForwardAndEndStatusesAreFinal() {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        assertTrue(journal.record(job.id(), TrainingStatus.SUBMITTING, "submit", "").applied());
        assertTrue(journal.record(job.id(), "training_started", "webhook", "").applied(), "steps may be skipped");
        assertFalse(journal.record(job.id(), "deploying_gpu", "webhook", "").applied(), "no regression");
        assertFalse(journal.record(job.id(), "training_started", "webhook", "").applied(), "duplicate");
        assertFalse(journal.record(job.id(), "warming_up", "webhook", "").applied(), "unknown status");
        assertFalse(journal.record(job.id(), TrainingStatus.REJECTED, "intake", "").applied(),
                "a submitted set cannot be rejected");
        assertFalse(journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "submit", "").applied());
        assertTrue(journal.record(job.id(), "model_ready", "webhook", "").applied());
        assertFalse(journal.record(job.id(), TrainingStatus.FAILED, "webhook", "").applied(), "final");
        assertEquals("model_ready", journal.find(job.id()).orElseThrow().status());
        List<StatusChange> events = journal.events(job.id());
        assertEquals(10, events.size(), "every event is recorded, applied or not");
        assertEquals("training_started", events.get(3).previous());
    }

    @Test
    void unknownOutcomeOnlyFromSubmittingAndSettledByProgress() {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        assertFalse(journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "submit", "").applied());
        journal.record(job.id(), TrainingStatus.SUBMITTING, "submit", "");
        assertTrue(journal.record(job.id(), TrainingStatus.UNKNOWN_OUTCOME, "submit", "").applied());
        journal.adoptTrainingId(job.id(), "T1");
        journal.adoptTrainingId(job.id(), "T2");
        assertEquals("T1", journal.find(job.id()).orElseThrow().trainingId(), "adopted once");
        assertTrue(journal.record(job.id(), "training_started", "webhook", "").applied());
    }

    @Test
    void notesNeverChangeTheJob() {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        StatusChange note = journal.note(job.id(), "model_ready", "webhook", "unconfirmed");
        assertFalse(note.applied());
        assertEquals(TrainingStatus.CLAIMED, journal.find(job.id()).orElseThrow().status());
    }

    @Test
    void submittingIsAppliedOnceSoARetriedSubmissionCannotCallTheApiAgain() {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        assertTrue(journal.markSubmitting(job.id(), 3, "/api/v3/fine_tune", "{\"key\":\"***\"}").applied());
        assertFalse(journal.markSubmitting(job.id(), 3, "/api/v3/fine_tune", "{\"key\":\"other\"}").applied());
        assertEquals("{\"key\":\"***\"}", journal.find(job.id()).orElseThrow().requestJson());
    }

    private StatusOutbox statusOutbox(String instance, Duration lease) {
        return new StatusOutbox(pool, new Reservations(instance, lease),
                new Backoff(Duration.ofMillis(300), Duration.ofSeconds(1)), Duration.ofHours(1));
    }

    @Test
    void everyJournalledEventIsQueuedForTheSinksAndTakenOnceJobByJob() {
        Job alex = journal.claim("folder", "alex", "fp").orElseThrow();
        Job blake = journal.claim("folder", "blake", "fp").orElseThrow();
        journal.record(alex.id(), TrainingStatus.SUBMITTING, "submit", "");
        journal.record(blake.id(), TrainingStatus.SUBMITTING, "submit", "");
        journal.record(alex.id(), "deploying_gpu", "submit", "");
        journal.record(alex.id(), "deploying_gpu", "webhook", "a duplicate");
        journal.note(alex.id(), "model_ready", "webhook", "unconfirmed");
        StatusOutbox a = statusOutbox("replica-a", Duration.ofSeconds(30));
        StatusOutbox b = statusOutbox("replica-b", Duration.ofSeconds(30));
        assertEquals(5, a.backlog().depth(), "every event but the claims, applied or not");

        List<RoutingBatch> batches = a.reserveDue();
        assertEquals(List.of(alex.id(), blake.id()), batches.stream().map(RoutingBatch::jobId).toList(),
                "oldest job first, one batch per job");
        RoutingBatch ofAlex = batches.get(0);
        assertEquals(List.of("submitting", "deploying_gpu", "deploying_gpu", "model_ready"),
                ofAlex.changes().stream().map(StatusChange::status).toList(), "in journal order");
        assertEquals(List.of("submitting", "deploying_gpu"),
                ofAlex.news().stream().map(StatusChange::status).toList());
        assertEquals("alex", ofAlex.setName());
        assertEquals(journal.lastEventId(alex.id()), ofAlex.latest().eventId());
        assertFalse(ofAlex.trainingEnded(), "the unconfirmed model_ready was not applied");
        assertTrue(a.reserveDue().isEmpty(), "reserved: not taken again");
        assertTrue(b.reserveDue().isEmpty(), "nor by another live replica");

        journal.record(alex.id(), "model_ready", "webhook", "");
        a.routed(ofAlex);
        List<RoutingBatch> next = b.reserveDue();
        assertEquals(1, next.size(), "the change after the routed batch is due, alone");
        assertEquals(List.of("model_ready"), next.get(0).changes().stream().map(StatusChange::status).toList());
        assertTrue(next.get(0).trainingEnded());
        b.routed(next.get(0));
        a.routed(batches.get(1));
        assertEquals(0, a.backlog().depth());
        assertEquals(0, a.deleteRoutedRows(), "routed rows are kept for the retention");
        StatusOutbox noRetention = new StatusOutbox(pool, new Reservations("replica-a", Duration.ofSeconds(30)),
                new Backoff(Duration.ofMillis(300), Duration.ofSeconds(1)), Duration.ZERO);
        assertEquals(6, noRetention.deleteRoutedRows(), "past the retention, every routed row is deleted");
    }

    @Test
    void aBatchASinkRefusedIsTakenAgainAfterItsBackoff() throws Exception {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        journal.record(job.id(), TrainingStatus.SUBMITTING, "submit", "");
        StatusOutbox outbox = statusOutbox("replica-a", Duration.ofSeconds(30));
        RoutingBatch batch = outbox.reserveDue().get(0);
        outbox.retryLater(batch, "storage unreachable");
        assertTrue(outbox.reserveDue().isEmpty(), "waiting out its backoff");
        assertEquals(1, outbox.backlog().depth(), "still owed to the sinks");
        Thread.sleep(400);
        List<RoutingBatch> again = outbox.reserveDue();
        assertEquals(1, again.size());
        assertEquals(1, again.get(0).attempts());
        outbox.retryLater(again.get(0), "still unreachable");
        Thread.sleep(400);
        assertTrue(outbox.reserveDue().isEmpty(), "the second backoff is twice as long");
    }

    @Test
    void aDeadReplicasReservationsLapseWithItsHeartbeatAndARestartReleasesItsOwnAtOnce() throws Exception {
        Job job = journal.claim("s3", "alex", "fp").orElseThrow();
        journal.record(job.id(), TrainingStatus.SUBMITTING, "submit", "");
        Duration lease = Duration.ofMillis(300);
        StatusOutbox a = statusOutbox("replica-a", lease);
        StatusOutbox b = statusOutbox("replica-b", lease);
        Journal replicaB = new Journal(pool, "replica-b");
        replicaB.heartbeat();
        assertEquals(1, a.reserveDue().size());
        assertTrue(b.reserveDue().isEmpty(), "replica-a is alive");

        // replica-a restarts: what it held is due again at once, for itself
        StatusOutbox restarted = statusOutbox("replica-a", lease);
        restarted.releaseOwnReservations();
        assertEquals(1, restarted.reserveDue().size());

        // replica-a dies holding it: once its heartbeat is older than the lease, replica-b takes it
        Thread.sleep(400);
        replicaB.heartbeat();
        assertEquals(1, b.reserveDue().size(), "taken over from the dead replica");
        assertTrue(b.reserveDue().isEmpty());
    }

    @Test
    void anEmailReservedByADeadReplicaOrAnEarlierRunIsDueAgainWithoutWaitingForItsReservation() throws Exception {
        Job job = journal.claim("s3", "alex", "fp").orElseThrow();
        journal.record(job.id(), TrainingStatus.SUBMITTING, "submit", "");
        journal.record(job.id(), "deploying_gpu", "submit", "");
        StatusChange ready = journal.record(job.id(), TrainingStatus.MODEL_READY, "webhook", "");
        Duration lease = Duration.ofMillis(300);
        MailSettings settings = new MailSettings("127.0.0.1", "dreamdrop@localhost", List.of("ops@example.com"),
                List.of(TrainingStatus.MODEL_READY), 3, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Path.of("parked"), Path.of("results"));
        MailOutbox a = new MailOutbox(pool, journal, new Reservations("replica-a", lease), settings,
                new SimpleMeterRegistry());
        MailOutbox b = new MailOutbox(pool, journal, new Reservations("replica-b", lease), settings,
                new SimpleMeterRegistry());
        a.enqueue(List.of(ready));
        a.enqueue(List.of(ready));
        List<Long> due = a.due();
        assertEquals(1, due.size(), "one email per job and status");
        assertTrue(a.due().isEmpty(), "reserved while being sent");
        assertTrue(b.due().isEmpty());

        MailOutbox restarted = new MailOutbox(pool, journal, new Reservations("replica-a", lease), settings,
                new SimpleMeterRegistry());
        restarted.releaseOwnReservations();
        assertEquals(due, restarted.due(), "an earlier run's email is due again at once");

        Journal replicaB = new Journal(pool, "replica-b");
        Thread.sleep(400);
        replicaB.heartbeat();
        assertEquals(due, b.due(), "a dead replica's email is due again after the lease, not the reservation");
        b.sent(due.get(0));
        Thread.sleep(400);
        assertTrue(b.due().isEmpty(), "sent: never again");
        restarted.releaseOwnReservations();
        assertTrue(restarted.due().isEmpty());
    }

    @Test
    void anErasureIsTakenByOneReplicaStepByStepAndItsStepsDoneAreNeverDueAgain() throws Exception {
        Job job = journal.claim("folder", "alex", "fp").orElseThrow();
        journal.markSubmitted(job.id(), "T1", "deploying_gpu", "");
        Duration lease = Duration.ofMillis(300);
        Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1));
        Erasures a = new Erasures(pool, journal, new Reservations("replica-a", lease), jobId -> 0, 2, backoff);
        Erasures b = new Erasures(pool, journal, new Reservations("replica-b", lease), jobId -> 0, 2, backoff);
        new Journal(pool, "replica-b").heartbeat();

        a.request(job.id(), Erasures.EVERYTHING);
        a.request(job.id(), Erasures.EVERYTHING);
        List<Erasure> due = a.due();
        assertEquals(1, due.size(), "asked twice, one erasure");
        assertEquals(List.of("cancel", "delete_model", "delete_photos", "delete_results", "forget_details"),
                due.get(0).todo(), "no uploads at the vendor: no such step");
        assertTrue(b.due().isEmpty(), "reserved by replica-a");

        a.stepDone(due.get(0), "cancel", "training T1 cancelled");
        a.stepDone(due.get(0), "delete_model", "model T1 deleted");
        a.failed(due.get(0), "the bucket is away");
        Thread.sleep(20);
        Erasure again = b.due().get(0);
        assertEquals(List.of("delete_photos", "delete_results", "forget_details"), again.todo());
        b.failed(again, "still away");
        assertEquals("parked", b.of(job.id()).orElseThrow().state(), "parked after its last attempt");
        Thread.sleep(20);
        assertTrue(a.due().isEmpty() && b.due().isEmpty(), "parked: until an operator asks again");

        a.request(job.id(), Erasures.EVERYTHING);
        Erasure retried = a.due().get(0);
        assertEquals(0, retried.attempts());
        Erasures.State tombstone = a.done(retried);
        assertEquals(List.of("training T1 cancelled", "model T1 deleted"), tombstone.deleted());
        assertEquals(List.of("cancel", "delete_model"), tombstone.stepsDone());
        assertTrue(a.begun(job.id()));
        Thread.sleep(20);
        assertTrue(a.due().isEmpty(), "done");
    }

    @Test
    void aTrainingBeingErasedIsNotFollowedUntilItsErasureIsDone() {
        Job erased = journal.claim("folder", "alex", "fp1").orElseThrow();
        journal.markSubmitted(erased.id(), "T1", "deploying_gpu", "");
        Job kept = journal.claim("folder", "bo", "fp2").orElseThrow();
        journal.markSubmitted(kept.id(), "T2", "deploying_gpu", "");
        Erasures erasures = new Erasures(pool, journal, new Reservations("replica-a", Duration.ofSeconds(30)),
                jobId -> 0, 2, new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));

        erasures.request(erased.id(), Erasures.EVERYTHING);

        assertEquals(List.of(kept.id()), journal.unfinishedTrainings().stream().map(Job::id).toList());
        erasures.done(erasures.due().get(0));
        assertEquals(List.of(erased.id(), kept.id()), journal.unfinishedTrainings().stream().map(Job::id).toList(),
                "its cancel refused (the training had ended), it is followed again to its end");
    }

    @Test
    void theResultsOfJobsEndedBeforeTheirRetentionAreAskedForOnceAndOnlyTheirs() {
        Job ended = journal.claim("folder", "old", "fp1").orElseThrow();
        journal.fail(ended.id(), TrainingStatus.REJECTED, "intake", "no photos");
        Job running = journal.claim("folder", "new", "fp2").orElseThrow();
        Erasures erasures = new Erasures(pool, journal, new Reservations("replica-a", Duration.ofSeconds(30)),
                jobId -> 0, 2, new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));

        assertEquals(1, erasures.requestResultsEndedBefore(Instant.now().plusSeconds(1)));
        assertEquals(0, erasures.requestResultsEndedBefore(Instant.now().plusSeconds(1)), "asked for once");
        assertFalse(erasures.begun(running.id()));
        List<Erasure> due = erasures.due();
        assertEquals(1, due.size());
        assertEquals(List.of("delete_results"), due.get(0).todo());

        erasures.request(ended.id(), Erasures.EVERYTHING);
        assertEquals(Erasures.EVERYTHING, erasures.of(ended.id()).orElseThrow().scope(), "widened by an operator");
    }

    @Test
    void pagesOfJobsAreNewestFirstAndTheirCursorsMissAndRepeatNone() {
        List<String> claimed = new ArrayList<>();
        for (String name : List.of("alex-1", "alex-2", "al%x", "bo", "alex-3")) {
            claimed.add(journal.claim("folder", name, "fp-" + name).orElseThrow().id());
        }
        journal.fail(claimed.get(3), TrainingStatus.REJECTED, "intake", "no photos");

        List<String> walked = new ArrayList<>();
        JobQuery.Cursor before = null;
        do {
            List<Job> page = journal.jobs(new JobQuery(List.of(), false, null, null, before, 2));
            page.forEach(job -> walked.add(job.id()));
            before = page.size() == 2 ? JobQuery.Cursor.decode(JobQuery.Cursor.after(page.get(1)).encode()) : null;
        } while (before != null);
        assertEquals(5, walked.size(), "each job once: " + walked);
        assertEquals(claimed.get(4), walked.get(0), "newest first");

        assertEquals(List.of(claimed.get(3)), ids(journal.jobs(new JobQuery(List.of("rejected"), false, null, null,
                null, 50))));
        assertEquals(4, journal.jobs(new JobQuery(List.of(), true, null, null, null, 50)).size(), "running: not ended");
        assertEquals(3, journal.jobs(new JobQuery(List.of(), false, "alex", null, null, 50)).size());
        assertEquals(List.of(claimed.get(2)), ids(journal.jobs(new JobQuery(List.of(), false, "al%", null, null, 50))),
                "a % in the prefix is a %");
        assertEquals(List.of(), journal.jobs(new JobQuery(List.of(), false, null, Instant.now().plusSeconds(60), null,
                50)));
    }

    private static List<String> ids(List<Job> jobs) {
        return jobs.stream().map(Job::id).toList();
    }

    /**
     * The queries of the hot paths (an inbox scan, a webhook, the status router, the poller, the operator view, the
     * retention and erasure timers) are each served by an index: the database's own plan of the SQL the code runs,
     * with PostgreSQL told to avoid sequential scans wherever an index could serve (its tables here are small).
     */
    @Test
    void everyHotPathQueryIsServedByAnIndex() throws Exception {
        RecordedQueries recorded = new RecordedQueries();
        DataSource recording = recorded.recording(pool);
        Journal journaled = new Journal(recording, "replica-a");
        Job job = journaled.claim("s3", "alex", "fp").orElseThrow();
        journaled.markSubmitted(job.id(), "T1", "deploying_gpu", "");
        journaled.isActive("s3", "alex");
        journaled.unfinishedMove("s3", "alex");
        journaled.latestJob("s3", "alex");
        journaled.findByWebhookToken(job.webhookToken());
        journaled.findByImageToken(job.imageToken());
        journaled.record(job.id(), "training_started", "webhook", "");
        journaled.events(job.id());
        journaled.thumbnails(job.id());
        journaled.unfinishedTrainings();
        journaled.jobs(new JobQuery(List.of(), false, null, null, null, 51));
        journaled.jobs(new JobQuery(List.of(), true, null, null, null, 51));
        journaled.jobs(new JobQuery(List.of(), false, null, null, JobQuery.Cursor.after(job), 51));
        new StatusOutbox(recording, new Reservations("replica-a", Duration.ofSeconds(30)),
                new Backoff(Duration.ofMillis(300), Duration.ofSeconds(1)), Duration.ofHours(1)).reserveDue();
        new JobPhotos(recording, "replica-a").due(Duration.ofDays(30));
        Erasures erasures = new Erasures(recording, journaled, new Reservations("replica-a", Duration.ofSeconds(30)),
                id -> 0, 2, new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        erasures.due();
        erasures.ofJobs(List.of(job.id()));

        boolean postgres = !databaseUrl().startsWith("jdbc:h2:");
        List<String> scans = new ArrayList<>();
        try (Connection c = pool.getConnection()) {
            if (postgres) {
                try (Statement settings = c.createStatement()) {
                    settings.execute("SET enable_seqscan = off");
                }
            }
            for (RecordedQueries.Query query : new java.util.LinkedHashSet<>(recorded.queries())) {
                StringBuilder plan = new StringBuilder();
                try (PreparedStatement explain = c.prepareStatement("EXPLAIN " + query.sql())) {
                    for (int i = 0; i < query.parameters().size(); i++) {
                        explain.setObject(i + 1, query.parameters().get(i));
                    }
                    try (ResultSet rs = explain.executeQuery()) {
                        while (rs.next()) {
                            plan.append(rs.getString(1)).append('\n');
                        }
                    }
                }
                if (plan.toString().contains("tableScan") || plan.toString().contains("Seq Scan")) {
                    scans.add(query.sql() + "\n" + plan);
                }
            }
        }
        assertTrue(recorded.queries().size() > 15, "the hot paths ran their queries");
        assertEquals(List.of(), scans, "queries that scan a whole table");
    }
}
