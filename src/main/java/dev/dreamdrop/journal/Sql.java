package dev.dreamdrop.journal;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** Parameterised statements. */
public final class Sql {

    private Sql() {
    }

    /** One update statement on its own connection; returns the number of rows changed. */
    public static int update(DataSource dataSource, String what, String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, parameters);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new JournalException("cannot update " + what, e);
        }
    }

    public static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
    }
}
