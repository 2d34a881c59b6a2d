package dev.dreamdrop.routes;

import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * routes/compact-the-journal.camel.yaml: the H2 journal's file is looked after on its timer while sets go through, and
 * its size is published.
 */
class JournalUpkeepRouteTest extends DreamDropRouteTest {

    private static final String ROUTE = "give-the-journal-files-unused-space-back";

    @Override
    protected Map<String, String> settings() {
        // compacted at every run, whatever its share of live data
        return Map.of("dreamdrop.db.compact-interval", "300ms", "dreamdrop.db.compact-below", "101");
    }

    @Test
    void theJournalFileIsCompactedWhileASetGoesThroughAndItsSizePublished() throws Exception {
        startDreamDrop();
        NotifyBuilder compacted = new NotifyBuilder(context).fromRoute(ROUTE).whenCompleted(3).create();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "brief", 2, "instance_prompt: photo of sks person\n");
        RunningDreamDrop.awaitStatus(data, "brief", "model_ready");

        assertTrue(compacted.matches(20, TimeUnit.SECONDS), "the upkeep ran, without failing, as the set went through");
        double published = context.getRegistry().lookupByNameAndType(DreamDrop.METRICS_REGISTRY, MeterRegistry.class)
                .get("dreamdrop.journal.file").gauge().value();
        long onDisk = Files.size(data.resolve("journal.mv.db"));
        assertTrue(published > 0 && published <= 2 * onDisk, published + " bytes published, " + onDisk + " on disk");
        assertEquals(2, journal().thumbnails(journal().latestJob("folder", "brief").orElseThrow().id()).size(),
                "the set's thumbnails are read back");
    }
}
