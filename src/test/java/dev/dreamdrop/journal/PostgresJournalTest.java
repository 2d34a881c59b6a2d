package dev.dreamdrop.journal;

import dev.dreamdrop.testing.RunningPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class PostgresJournalTest extends JournalTest {

    private static RunningPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = RunningPostgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Override
    String databaseUrl() {
        return postgres.newDatabaseUrl();
    }
}
