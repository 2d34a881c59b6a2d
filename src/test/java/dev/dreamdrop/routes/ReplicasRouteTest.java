package dev.dreamdrop.routes;

import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import org.apache.camel.builder.NotifyBuilder;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replica routes (replicas): the heartbeat, and the take-over of a silent replica's claims. */
class ReplicasRouteTest extends DreamDropRouteTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.replicas.heartbeat-interval", "200ms", "dreamdrop.replicas.lease", "1s",
                "dreamdrop.instance-id", "replica-here");
    }

    @Test
    void aSetClaimedByAReplicaThatWentSilentIsTakenOverAndTrainedOnce() throws Exception {
        JdbcDataSource sameJournal = new JdbcDataSource();
        sameJournal.setURL(setting("dreamdrop.db.url") + ";DB_CLOSE_ON_EXIT=FALSE");
        sameJournal.setUser("sa");
        awaitJournalUp();
        Journal gone = new Journal(sameJournal, "replica-gone");
        gone.heartbeat();
        RunningDreamDrop.dropSet(data.resolve("inbox"), "orphan", 3, "instance_prompt: photo of sks person\n");
        String jobId = gone.claim("folder", "orphan", "claimed-before-it-went-silent").orElseThrow().id();

        NotifyBuilder heartbeats = new NotifyBuilder(context).fromRoute("tell-the-journal-this-instance-is-alive")
                .whenCompleted(2).create();
        startDreamDrop();

        assertTrue(heartbeats.matches(10, TimeUnit.SECONDS));
        RunningDreamDrop.awaitStatus(data, "orphan", "model_ready");
        assertEquals("replica-here", journal().find(jobId).orElseThrow().owner());
        assertEquals(1, sandbox.requests("/api/v3/fine_tune").size(), "one training (this class's only set)");
        assertEquals(1, journal().allJobs().stream().filter(job -> job.setName().equals("orphan")).count());
    }
}
