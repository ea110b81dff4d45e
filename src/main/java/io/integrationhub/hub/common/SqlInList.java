package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A query over many keys at once, {@code ... WHERE x IN (?, ?, …)}, in chunks of a size every
 * database here accepts. Written by hand (a dozen lines): camel-sql and JdbcTemplate would need the
 * whole statement rebuilt per chunk just the same.
 */
public final class SqlInList {

    private static final int CHUNK = 500;

    private SqlInList() {
    }

    /** Reads one value of each row. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /**
     * Runs {@code sqlBeforeList + "(?, …)"} for {@code values}, chunk by chunk, and collects what
     * {@code row} reads from each row (null values are left out).
     */
    public static <T> Set<T> select(Connection c, String sqlBeforeList, List<String> values, Row<T> row) throws SQLException {
        Set<T> result = new HashSet<>();
        for (int from = 0; from < values.size(); from += CHUNK) {
            List<String> chunk = values.subList(from, Math.min(values.size(), from + CHUNK));
            try (PreparedStatement ps = c.prepareStatement(sqlBeforeList
                    + "(" + String.join(",", Collections.nCopies(chunk.size(), "?")) + ")")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        T value = row.read(rs);
                        if (value != null) {
                            result.add(value);
                        }
                    }
                }
            }
        }
        return result;
    }
}
