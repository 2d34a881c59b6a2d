package dev.dreamdrop.journal;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalFileTest {

    private static final int SHEET_BYTES = 100_000;

    @Test
    void aSparseH2FileIsCompactedWhileWritesGoOnAndKeepsItsData(@TempDir Path dir) throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        // H2 frees a rewritten chunk's space 45 s later (RETENTION_TIME); 1 s here, waited for between the runs
        dataSource.setURL("jdbc:h2:file:" + dir.resolve("journal") + ";DB_CLOSE_DELAY=-1;RETENTION_TIME=1000");
        dataSource.setUser("sa");
        Journal journal = new Journal(dataSource, "a");
        journal.migrate();
        String[] jobs = new String[400];
        for (int i = 0; i < jobs.length; i++) {
            jobs[i] = journal.claim("folder", "set-" + i, "fp-" + i).orElseThrow().id();
        }
        Path file = dir.resolve("journal.mv.db");
        JournalFile journalFile = new JournalFile(dataSource, 60, Duration.ofSeconds(5));
        assertEquals(-1, journalFile.size(), "not looked at yet");
        // what a busy journal does: many small commits, of rows soon replaced or deleted
        for (int i = 0; i < jobs.length; i++) {
            insertSheet(dataSource, jobs[i], i);
        }
        Sql.update(dataSource, "sheets", "DELETE FROM contact_sheets WHERE job_id <> ?", jobs[jobs.length - 1]);
        Thread.sleep(1100);
        long sparse = Files.size(file);
        assertTrue(sparse > 40_000_000, "the journal's file holds 0.1 MB of sheets in " + sparse + " bytes");

        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
            int written = 0;
            while (writing.get()) {
                journal.heartbeat();
                insertSheet(dataSource, jobs[written % 300], written);
                Sql.update(dataSource, "sheet", "DELETE FROM contact_sheets WHERE job_id = ?", jobs[written % 300]);
                written++;
            }
            return written;
        });
        long compacted = sparse;
        for (int run = 0; run < 10 && compacted > sparse / 4; run++) {
            compacted = journalFile.compactIfSparse();
            Thread.sleep(1100);
        }
        writing.set(false);
        int written = writer.get(30, TimeUnit.SECONDS);

        assertTrue(compacted < sparse / 4, "compacted from " + sparse + " to " + compacted);
        assertTrue(written > 10, "writes went on meanwhile: " + written);
        assertEquals(compacted, journalFile.size());
        assertEquals(List.of(jobs[jobs.length - 1]), sheetsKept(dataSource), "the writer's rows came and went");
        byte[] sheet = sheet(jobs.length - 1);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT jpeg FROM contact_sheets")) {
            rs.next();
            assertArrayEquals(sheet, rs.getBytes(1), "the data kept is intact");
        }
        assertEquals(jobs.length, journal.jobs(new JobQuery(List.of(), false, null, null, null, 500)).size(),
                "and so are the jobs");
        insertSheet(dataSource, jobs[0], 0);
        assertEquals(2, sheetsKept(dataSource).size(), "written to after the compaction");
    }

    @Test
    void aJournalInMemoryIsNoFileToCompact() throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        new Journal(dataSource, "a").migrate();
        JournalFile journalFile = new JournalFile(dataSource, 100, Duration.ofSeconds(1));
        assertEquals(-1, journalFile.compactIfSparse());
        assertEquals(-1, journalFile.size());
    }

    private static byte[] sheet(int seed) {
        byte[] sheet = new byte[SHEET_BYTES];
        Arrays.fill(sheet, (byte) 7);
        sheet[0] = (byte) seed;
        return sheet;
    }

    private static void insertSheet(JdbcDataSource dataSource, String jobId, int seed) {
        Sql.update(dataSource, "sheet", "INSERT INTO contact_sheets (job_id, jpeg) VALUES (?, ?)", jobId, sheet(seed));
    }

    private static List<String> sheetsKept(JdbcDataSource dataSource) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT job_id FROM contact_sheets ORDER BY job_id")) {
            List<String> kept = new ArrayList<>();
            while (rs.next()) {
                kept.add(rs.getString(1));
            }
            return kept;
        }
    }
}
