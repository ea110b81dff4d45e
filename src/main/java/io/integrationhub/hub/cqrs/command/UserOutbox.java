package io.integrationhub.hub.cqrs.command;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/** The outbox table as the relay sees it: pending rows in order, marked published one by one. */
public class UserOutbox {

    /** One pending event: its outbox position, the Kafka record key (user id) and value (the envelope). */
    public record Pending(long seq, String eventId, String aggregateId, String eventType, String payload) {
    }

    private final DataSource dataSource;
    private final Duration retention;

    /** @param retention how long published rows are kept (for inspection) before {@link #purgeExpired} deletes them */
    public UserOutbox(DataSource dataSource, Duration retention) {
        this.dataSource = dataSource;
        this.retention = retention;
    }

    public List<Pending> pending(int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT seq, event_id, aggregate_id, event_type, payload "
                     + "FROM user_outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            List<Pending> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return rows;
        }
    }

    public void markPublished(long seq) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE user_outbox SET published_at = ? WHERE seq = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setLong(2, seq);
            ps.executeUpdate();
        }
    }

    public long pendingCount() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM user_outbox WHERE published_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes rows published longer ago than the retention; returns how many. */
    public int purgeExpired() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM user_outbox WHERE published_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().minus(retention)));
            return ps.executeUpdate();
        }
    }
}
