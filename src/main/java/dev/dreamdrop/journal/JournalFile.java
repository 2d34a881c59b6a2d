package dev.dreamdrop.journal;

import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.db.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file of a journal kept in H2 (dreamdrop.db.url jdbc:h2:file:), compacted while DreamDrop runs. H2 writes every
 * change to a new place in its file and frees the old place only later; it reuses freed space but never gives it
 * back while open, and under DreamDrop's stream of small commits (statuses, outbox rows routed and deleted, thumbnails
 * and contact sheets) the file grew to five times the data it held (361 MB for about 70 MB after 520 sets). Here the
 * chunks that hold little are rewritten and the file shortened, as H2 does when it closes (MVStore.compactFile: H2's
 * own code, reached through its embedded session). Space freed in the last 45 s (H2's RETENTION_TIME, its guard
 * against a crash in the middle of a write) is given back on a later run. A PostgreSQL journal is vacuumed by
 * PostgreSQL: nothing to do.
 */
public class JournalFile {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFile.class);

    private final DataSource dataSource;
    private final int compactBelow;
    private final Duration maxTime;
    private final AtomicLong size = new AtomicLong(-1);

    /**
     * @param compactBelow compacted when less than this percentage of the file holds live data
     * @param maxTime      longest a compaction works at once (writes go on meanwhile); the rest is left for the next
     */
    public JournalFile(DataSource dataSource, int compactBelow, Duration maxTime) {
        this.dataSource = dataSource;
        this.compactBelow = compactBelow;
        this.maxTime = maxTime;
    }

    /**
     * Compacts the file when it is sparse.
     *
     * @return the file's size in bytes afterwards; -1 when the journal is not an H2 file (PostgreSQL, or in memory)
     */
    public long compactIfSparse() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = storeOf(connection);
            FileStore<?> file = store == null ? null : store.getFileStore();
            if (file == null) {
                return -1;
            }
            long before = file.size();
            // the share of the file taken by chunks, times the share of the chunks' space still live
            int live = file.getFillRate() * file.getChunksFillRate() / 100;
            if (live < compactBelow) {
                long start = System.nanoTime();
                store.compactFile((int) maxTime.toMillis());
                LOG.info("Journal file compacted in {} ms: {} MB, {}% of it live, now {} MB",
                        (System.nanoTime() - start) / 1_000_000, megabytes(before), live, megabytes(file.size()));
            }
            size.set(file.size());
            return size.get();
        }
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1e6);
    }

    /** The file's size in bytes when last looked at; -1 before that, or when the journal is not an H2 file. */
    public long size() {
        return size.get();
    }

    /** H2's store behind a connection to a database of this JVM; null for any other. */
    private static MVStore storeOf(Connection connection) throws SQLException {
        if (!connection.isWrapperFor(JdbcConnection.class)) {
            return null;
        }
        Session session = connection.unwrap(JdbcConnection.class).getSession();
        if (!(session instanceof SessionLocal local)) {
            return null;
        }
        Store store = local.getDatabase().getStore();
        return store == null ? null : store.getMvStore();
    }
}
