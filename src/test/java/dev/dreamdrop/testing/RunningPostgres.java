package dev.dreamdrop.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A real PostgreSQL 17 server for the tests (binaries from a jar), with an empty database per use. */
public final class RunningPostgres implements AutoCloseable {

    private final EmbeddedPostgres server;

    private RunningPostgres(EmbeddedPostgres server) {
        this.server = server;
    }

    public static RunningPostgres start() {
        try {
            return new RunningPostgres(EmbeddedPostgres.builder().start());
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start", e);
        }
    }

    /** A new, empty database, for one test's journal. */
    public String newDatabaseUrl() {
        String name = "journal_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return server.getJdbcUrl("postgres", name);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
