package dev.dreamdrop.journal;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalFileTest {

    @Test
    void aSparseH2FileIsCompactedWhileInUseAndKeepsItsData(@TempDir Path dir) throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        // H2 gives freed space back 45 s after it was freed (RETENTION_TIME); 1 s here, waited for below
        dataSource.setURL("jdbc:h2:file:" + dir.resolve("journal") + ";DB_CLOSE_DELAY=-1;RETENTION_TIME=1000");
        dataSource.setUser("sa");
        Journal journal = new Journal(dataSource, "a");
        journal.migrate();
        String[] jobs = new String[400];
        for (int i = 0; i < jobs.length; i++) {
            jobs[i] = journal.claim("folder", "set-" + i, "fp-" + i).orElseThrow().id();
        }
        byte[] sheet = new byte[100_000];
        Arrays.fill(sheet, (byte) 7);
        Path file = dir.resolve("journal.mv.db");
        JournalFile journalFile = new JournalFile(dataSource, 60, Duration.ofSeconds(20));
        assertEquals(-1, journalFile.size(), "not looked at yet");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            // what a busy journal does: many small commits, of rows soon replaced or deleted
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO contact_sheets (job_id, jpeg) VALUES (?, ?)")) {
                for (int i = 0; i < jobs.length; i++) {
                    insert.setString(1, jobs[i]);
                    sheet[0] = (byte) i;
                    insert.setBytes(2, sheet);
                    insert.executeUpdate();
                }
            }
            s.executeUpdate("DELETE FROM contact_sheets WHERE job_id <> '" + jobs[399] + "'");
            Thread.sleep(1500);
            long sparse = Files.size(file);
            assertTrue(sparse > 40_000_000, "the journal's file holds 0.1 MB of sheets in " + sparse + " bytes");

            long compacted = journalFile.compactIfSparse();

            assertTrue(compacted < sparse / 4, "compacted from " + sparse + " to " + compacted);
            assertEquals(Files.size(file), compacted, "the file on disk is the size reported");
            assertEquals(compacted, journalFile.size());
            try (ResultSet rs = s.executeQuery("SELECT job_id, jpeg FROM contact_sheets")) {
                rs.next();
                assertEquals(jobs[399], rs.getString(1));
                sheet[0] = (byte) 399;
                assertArrayEquals(sheet, rs.getBytes(2), "the data kept is intact");
            }
            assertEquals(400, journal.jobs(new JobQuery(java.util.List.of(), false, null, null, null, 500)).size(), "and so are the jobs");
            s.executeUpdate("INSERT INTO contact_sheets (job_id, jpeg) VALUES ('" + jobs[0] + "', X'01')");
        }
        try (Connection reopened = dataSource.getConnection(); Statement s = reopened.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM contact_sheets")) {
            rs.next();
            assertEquals(2, rs.getInt(1), "written to after the compaction");
        }
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
}
