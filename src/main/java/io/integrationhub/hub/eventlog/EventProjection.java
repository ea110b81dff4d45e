package io.integrationhub.hub.eventlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.eventlog.api.EventEnvelope;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * What the event-log consumers derive: each entity's latest event and event count, and every
 * applied event once. Applying is one transaction keyed by eventId, so a redelivered record (after
 * a crash before the offset commit, or a producer retry) changes nothing.
 */
public class EventProjection {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final DataSource dataSource;

    public EventProjection(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Applies the record in the exchange; returns false when its event was applied before. */
    public boolean apply(Exchange exchange) throws Exception {
        String topic = exchange.getIn().getHeader(KafkaConstants.TOPIC, String.class);
        String key = exchange.getIn().getHeader(KafkaConstants.KEY, String.class);
        EventEnvelope event = read(exchange.getIn().getBody(String.class));
        if (key == null || key.isBlank()) {
            throw new InvalidEventException("record has no key (the entity id)");
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!markApplied(c, event, topic, key, exchange)) {
                    c.rollback();
                    MessagingMetrics.duplicateIgnored(exchange);
                    return false;
                }
                updateEntity(c, event, topic, key);
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Forgets everything derived from {@code topic}, before a replay rebuilds it. */
    public void reset(String topic) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement a = c.prepareStatement("DELETE FROM event_applied WHERE topic = ?");
                 PreparedStatement b = c.prepareStatement("DELETE FROM entity_projection WHERE topic = ?")) {
                a.setString(1, topic);
                a.executeUpdate();
                b.setString(1, topic);
                b.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    public static EventEnvelope read(String value) throws InvalidEventException {
        EventEnvelope event;
        try {
            event = JSON.readValue(value, EventEnvelope.class);
        } catch (Exception e) {
            throw new InvalidEventException("record value is not an event envelope in JSON: " + e.getMessage());
        }
        if (event == null || blank(event.eventId()) || blank(event.event()) || blank(event.occurredAt())) {
            throw new InvalidEventException("record value lacks eventId, event or occurredAt");
        }
        return event;
    }

    private static boolean markApplied(Connection c, EventEnvelope event, String topic, String key, Exchange exchange)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_applied (event_id, topic, entity_id, event_type, "
                + "kafka_partition, kafka_offset, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, event.eventId());
            ps.setString(2, topic);
            ps.setString(3, key);
            ps.setString(4, event.event());
            ps.setObject(5, exchange.getIn().getHeader(KafkaConstants.PARTITION, Integer.class));
            ps.setObject(6, exchange.getIn().getHeader(KafkaConstants.OFFSET, Long.class));
            ps.setTimestamp(7, Timestamp.from(Instant.now()));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                return false; // applied before: a duplicate delivery
            }
            throw e;
        }
    }

    private static void updateEntity(Connection c, EventEnvelope event, String topic, String key) throws SQLException {
        String data = event.data() == null ? null : event.data().toString();
        try (PreparedStatement update = c.prepareStatement("UPDATE entity_projection SET event_count = event_count + 1, "
                + "last_event_id = ?, last_event_type = ?, last_occurred_at = ?, last_data = ? WHERE topic = ? AND entity_id = ?")) {
            update.setString(1, event.eventId());
            update.setString(2, event.event());
            update.setString(3, event.occurredAt());
            update.setString(4, data);
            update.setString(5, topic);
            update.setString(6, key);
            if (update.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO entity_projection (topic, entity_id, event_count, "
                + "last_event_id, last_event_type, last_occurred_at, last_data) VALUES (?, ?, 1, ?, ?, ?, ?)")) {
            insert.setString(1, topic);
            insert.setString(2, key);
            insert.setString(3, event.eventId());
            insert.setString(4, event.event());
            insert.setString(5, event.occurredAt());
            insert.setString(6, data);
            insert.executeUpdate();
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
