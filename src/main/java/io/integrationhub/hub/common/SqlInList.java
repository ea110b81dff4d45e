package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.postgresql.PGStatement;

/**
 * A query over many keys at once, {@code ... WHERE x IN (?, ?, …)}, in chunks of a size every
 * database here accepts. Written by hand (a dozen lines): camel-sql and JdbcTemplate would need the
 * whole statement rebuilt per chunk just the same.
 *
 * <p>On PostgreSQL each chunk is planned with its values ({@code prepareThreshold=0} on the statement:
 * the driver's unnamed statement, never a server-side prepared one). A server-side statement gets
 * PostgreSQL's generic plan after five runs, chosen for the table as it was then and kept until an
 * ANALYZE of the table: one made while {@code event_applied} was small is a sequential scan that
 * compares every row with each of the 500 parameters, and it stays one while the table grows (a fresh
 * database taking a backlog, autovacuum not yet there or off). Measured on this machine's PostgreSQL
 * (autovacuum off): the Kafka projection fell from ~10,000 to a few hundred records per second past
 * ~200,000 applied events. Planned with its values, the list is a constant the executor hashes (one
 * probe per row, not 500), and with statistics PostgreSQL takes the primary key (0.6 ms at 200,000
 * rows); the planning costs about a millisecond per 500 keys. docs/operations.md, "Database".
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
                if (ps.isWrapperFor(PGStatement.class)) {
                    ps.unwrap(PGStatement.class).setPrepareThreshold(0);
                }
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
