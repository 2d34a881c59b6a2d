package dev.dreamdrop.journal;

import dev.dreamdrop.api.TrainingStatus;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {

    private JdbcConnectionPool pool;
    private Journal journal;

    @BeforeEach
    void open() {
        pool = JdbcConnectionPool.create("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
        journal = new Journal(pool);
        journal.createSchema();
        journal.createSchema();
    }

    @AfterEach
    void close() {
        pool.dispose();
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
