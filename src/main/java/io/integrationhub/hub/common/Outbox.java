package io.integrationhub.hub.common;

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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.EventEnvelope;

/**
 * The transactional outbox (table {@code outbox}): a change and the event telling of it are
 * written in one database transaction with {@link #append}; {@link OutboxRelayRoutes} publishes
 * the pending rows to Kafka in order and marks each published once Kafka acknowledged it.
 */
public class Outbox {

    /** One pending event: its position, topic, Kafka record key (the entity id) and value (the envelope). */
    public record Pending(long seq, String topic, String eventId, String aggregateId, String eventType, String payload,
            String traceparent) {
    }

    private static final ObjectMapper JSON = Json.MAPPER;

    private final DataSource dataSource;
    private final Duration retention;

    /** @param retention how long published rows are kept (for inspection) before {@link #purgeExpired} deletes them */
    public Outbox(DataSource dataSource, Duration retention) {
        this.dataSource = dataSource;
        this.retention = retention;
    }

    /**
     * Adds an event to the outbox inside the caller's transaction on {@code c}, stamped with its schema
     * version once its data matches the schema ({@link EventSchemas#stamp}: a mismatch fails the transaction).
     */
    public static void append(Connection c, String topic, String aggregateId, EventEnvelope unstamped) throws SQLException {
        EventEnvelope event = EventSchemas.shared().stamp(unstamped);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (topic, event_id, aggregate_id, event_type, "
                + "payload, created_at, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, topic);
            ps.setString(2, event.eventId());
            ps.setString(3, aggregateId);
            ps.setString(4, event.event());
            ps.setString(5, JSON.writeValueAsString(event));
            ps.setTimestamp(6, Timestamp.from(Instant.now()));
            // the write's trace, continued by the relay when it publishes the event
            ps.setString(7, TraceIds.currentTraceparent());
            ps.executeUpdate();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event is not serialisable: " + e.getMessage(), e);
        }
    }

    public List<Pending> pending(int limit) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT seq, topic, event_id, aggregate_id, event_type, payload, traceparent "
                     + "FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            List<Pending> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            return rows;
        }
    }

    public void markPublished(long seq) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE outbox SET published_at = ? WHERE seq = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setLong(2, seq);
            ps.executeUpdate();
        }
    }

    public long pendingCount() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox WHERE published_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes rows published longer ago than the retention; returns how many. */
    public int purgeExpired() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM outbox WHERE published_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().minus(retention)));
            return ps.executeUpdate();
        }
    }
}
