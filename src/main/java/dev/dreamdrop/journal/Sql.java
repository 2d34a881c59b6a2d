package dev.dreamdrop.journal;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

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

    /** Rows of an outbox table by their {@code state} column. */
    public static Map<String, Long> countByState(DataSource dataSource, String table) {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT state, COUNT(*) FROM " + table + " GROUP BY state");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        } catch (SQLException e) {
            throw new JournalException("cannot count the rows of " + table, e);
        }
        return counts;
    }

    /** {@code ?, ?, ?}: the parameters of an {@code IN} list of {@code count} values. */
    public static String placeholders(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    public static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
    }
}
