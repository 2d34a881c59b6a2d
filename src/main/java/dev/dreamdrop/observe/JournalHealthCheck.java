package dev.dreamdrop.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/** The job journal answers: without it DreamDrop can neither claim a set nor take a webhook. */
public class JournalHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    public JournalHealthCheck(DataSource dataSource) {
        super("dreamdrop", "journal");
        this.dataSource = dataSource;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(5)) {
                builder.up();
            } else {
                builder.down().message("the journal's database does not answer");
            }
        } catch (SQLException e) {
            builder.down().message("the journal's database cannot be reached: " + e.getMessage());
        }
    }
}
