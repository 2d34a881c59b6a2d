package dev.dreamdrop.config;

import dev.dreamdrop.journal.JournalFile;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.spi.Registry;

import javax.sql.DataSource;
import java.time.Duration;

/** The journal's upkeep (dreamdrop.db.compact-*), bound for routes/compact-the-journal.camel.yaml. */
final class JournalConfiguration {

    /** A compaction works at most this long at once; a file that needs more gets it on the next runs. */
    private static final Duration COMPACTION_TIME = Duration.ofSeconds(2);

    private JournalConfiguration() {
    }

    static void bind(Settings settings, Registry registry, DataSource dataSource, MeterRegistry metrics) {
        JournalFile file = new JournalFile(dataSource, settings.integer("dreamdrop.db.compact-below"),
                COMPACTION_TIME);
        registry.bind("journalFile", file);
        Gauge.builder("dreamdrop.journal.file", file, JournalFile::size).baseUnit("bytes")
                .description("Size of the H2 journal file when last looked at (-1: not an H2 file)").register(metrics);
    }
}
