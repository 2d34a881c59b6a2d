package dev.dreamdrop.journal;

import dev.dreamdrop.api.TrainingStatus;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
}
