package dev.dreamdrop.journal;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** One parameterised update statement on its own connection. */
public final class Sql {

    private Sql() {
    }

    /** @return the number of rows changed */
    public static int update(DataSource dataSource, String what, String sql, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new JournalException("cannot update " + what, e);
        }
    }
}
