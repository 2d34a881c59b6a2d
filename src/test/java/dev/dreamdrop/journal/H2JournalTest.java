package dev.dreamdrop.journal;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class H2JournalTest extends JournalTest {

    @Override
    String databaseUrl() {
        return "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Test
    void aJournalFromBeforeMigrationsIsBroughtUpToDate() throws Exception {
        String url = databaseUrl();
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            // the tables as version 0.1 created them, with one job in them
            s.execute("CREATE TABLE jobs (id VARCHAR(36) PRIMARY KEY, source VARCHAR(16) NOT NULL,"
                    + " set_name VARCHAR(255) NOT NULL, fingerprint VARCHAR(64) NOT NULL, status VARCHAR(64) NOT NULL,"
                    + " active_key VARCHAR(300) UNIQUE, training_id VARCHAR(64),"
                    + " webhook_token VARCHAR(64) NOT NULL UNIQUE, image_token VARCHAR(64) NOT NULL UNIQUE,"
                    + " image_count INT DEFAULT 0 NOT NULL, request_json TEXT, error TEXT,"
                    + " created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL, submitted_at TIMESTAMP)");
            s.execute("INSERT INTO jobs (id, source, set_name, fingerprint, status, webhook_token, image_token,"
                    + " created_at, updated_at) VALUES ('j1', 'folder', 'alex', 'fp', 'model_ready', 'w', 'i',"
                    + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
            JdbcDataSource dataSource = new JdbcDataSource();
            dataSource.setURL(url);
            dataSource.setUser("sa");
            new Journal(dataSource, "a").migrate();
            try (ResultSet rs = s.executeQuery("SELECT status, moved, owner FROM jobs WHERE id = 'j1'")) {
                rs.next();
                assertEquals("model_ready", rs.getString(1), "the old job is kept");
                assertEquals(false, rs.getBoolean(2), "and gained the later columns");
            }
            List<String> versions = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\""
                    + " WHERE \"success\" AND \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
                while (rs.next()) {
                    versions.add(rs.getString(1));
                }
            }
            assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"), versions, "taken as version 0, then migrated");
        }
    }

    @Test
    void imagesOfAJournalFromBeforeBlobsAreKeptBesideTheRows() throws Exception {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(databaseUrl());
        dataSource.setUser("sa");
        // the journal as version 11 made it: images inside the tables' pages
        Flyway.configure(Journal.class.getClassLoader()).dataSource(dataSource)
                .locations("classpath:db/migration/common").placeholders(Map.of("bytes", "VARBINARY(262144)"))
                .target("11").load().migrate();
        Journal journal = new Journal(dataSource, "a");
        String job = journal.claim("folder", "alex", "fp").orElseThrow().id();
        byte[] thumbnail = new byte[5_000];
        thumbnail[4_999] = 42;
        journal.storeThumbnails(job, List.of(thumbnail));

        journal.migrate();

        assertArrayEquals(thumbnail, journal.thumbnails(job).get(0), "the thumbnail is kept");
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS"
                     + " WHERE COLUMN_NAME IN ('JPEG', 'PREVIEW') ORDER BY TABLE_NAME")) {
            List<String> types = new ArrayList<>();
            while (rs.next()) {
                types.add(rs.getString(1));
            }
            assertEquals(List.of("BINARY LARGE OBJECT", "BINARY LARGE OBJECT", "BINARY LARGE OBJECT"), types);
        }
    }
}
