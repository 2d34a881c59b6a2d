package dev.dreamdrop.journal;

import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.RandomAccessStore;
import org.h2.mvstore.db.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file of a journal kept in H2 (dreamdrop.db.url jdbc:h2:file:), kept to about twice the data it holds.
 *
 * <p>H2 writes every change to a new place in its file. Its background writer keeps the file in shape: it rewrites
 * the chunks that hold little live data, moves chunks into the gaps left and shortens the file. The journal turns that
 * thread off, because it has every commit written at once (WRITE_DELAY 0, see {@link Journal#migrate()}), and under
 * DreamDrop's stream of small commits (statuses, outbox rows routed, thumbnails, contact sheets) the file then grew to
 * five times its data (361 MB for about 70 MB after 520 sets). Here the same upkeep runs on a timer, through H2's
 * own calls and with H2's own guard kept: the space of a chunk rewritten is reused or given back only once its
 * RETENTION_TIME (45 s) has passed, so that a crash in the middle of a write never finds its old data overwritten.
 * A PostgreSQL journal is vacuumed by PostgreSQL: nothing to do.
 */
public class JournalFile {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFile.class);
    /** Chunks are rewritten until this share of their space is live: H2's own target (AUTO_COMPACT_FILL_RATE). */
    private static final int CHUNKS_FILLED = 90;
    /** Bytes rewritten, or moved, in one step; the steps are repeated within the time allowed. */
    private static final int STEP_BYTES = 16 << 20;
    /** Space given back that an operator is told of; less is logged at DEBUG (a small journal shrinks every run). */
    private static final long WORTH_TELLING_BYTES = 10L << 20;

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
     * Compacts the file when it is sparse: the chunks holding little are rewritten (their space is free once
     * RETENTION_TIME has passed), chunks from the end are moved into free space and the file is shortened.
     *
     * @return the file's size in bytes afterwards; -1 when the journal is not an H2 file (PostgreSQL, or in memory)
     */
    public long compactIfSparse() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            MVStore store = storeOf(connection);
            FileStore<?> file = store == null ? null : store.getFileStore();
            if (!(file instanceof RandomAccessStore chunks)) {
                return -1;
            }
            int live = liveShare(file);
            if (live < compactBelow) {
                long before = file.size();
                long start = System.nanoTime();
                long stopAt = start + maxTime.toNanos();
                boolean progress;
                do {
                    boolean rewritten = store.compact(CHUNKS_FILLED, STEP_BYTES);
                    long length = file.size();
                    int filled = file.getFillRate();
                    // moves only into space whose retention time has passed, so never over a chunk just rewritten
                    chunks.compactMoveChunks(100, STEP_BYTES, store);
                    progress = rewritten || file.size() < length || file.getFillRate() > filled;
                } while (progress && System.nanoTime() - stopAt < 0);
                // space is given back only once its retention time has passed: a run may find nothing to give yet
                long givenBack = before - file.size();
                if (givenBack > 0) {
                    LOG.atLevel(givenBack >= WORTH_TELLING_BYTES ? Level.INFO : Level.DEBUG).log(
                            "Journal file compacted in {} ms: {} MB of which {}% live, now {} MB of which {}% live",
                            (System.nanoTime() - start) / 1_000_000, megabytes(before), live, megabytes(file.size()),
                            liveShare(file));
                }
            }
            size.set(file.size());
            return size.get();
        }
    }

    /** The share of the file taken by chunks, times the share of the chunks' space still live, in percent. */
    private static int liveShare(FileStore<?> file) {
        return file.getFillRate() * file.getChunksFillRate() / 100;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
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
