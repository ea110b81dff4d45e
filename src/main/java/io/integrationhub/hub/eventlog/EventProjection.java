package io.integrationhub.hub.eventlog;

import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventRecords;
import io.integrationhub.hub.common.InvalidEventException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.common.SqlInList;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.common.EventEnvelope;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the event-log consumers derive: each entity's latest event and event count, and every
 * applied event once. Applying is keyed by eventId, so a redelivered record (after a crash before
 * the offset commit, or a producer retry) changes nothing.
 * <p>
 * A consumer applies a whole poll at once ({@link #applyBatch}): one transaction, JDBC batches, one
 * statement per entity rather than per event. What the batch cannot take — a record that is not an
 * event, or every record when the transaction fails — is left for the per-record route, which has
 * the retries and the dead letters ({@link #apply}).
 */
public class EventProjection {

    private static final Logger LOG = LoggerFactory.getLogger(EventProjection.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private final DataSource dataSource;

    public EventProjection(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Applies the record in the exchange; returns false when its event was applied before. */
    public boolean apply(Exchange exchange) throws Exception {
        String topic = exchange.getIn().getHeader(KafkaConstants.TOPIC, String.class);
        String key = exchange.getIn().getHeader(KafkaConstants.KEY, String.class);
        EventEnvelope event = EventRecords.envelope(exchange.getIn().getBody(String.class));
        if (key == null || key.isBlank()) {
            throw new InvalidEventException("record has no key (the entity id)");
        }
        boolean applied = Transactions.inTransaction(dataSource, c -> {
            if (!markApplied(c, event, topic, key, exchange)) {
                c.rollback(); // the failed INSERT ended the transaction on PostgreSQL: nothing to commit
                return false;
            }
            updateEntity(c, event, topic, key);
            return true;
        });
        if (!applied) {
            MessagingMetrics.duplicateIgnored(exchange);
        }
        return applied;
    }

    /**
     * Applies the records of a poll (the body of a camel-kafka batch exchange) in one transaction and
     * sets {@link EventRecords#ONE_BY_ONE} to the records left for the per-record route: the ones that are not
     * events, or all of them when the transaction failed. Nothing is committed to Kafka here.
     */
    public void applyBatch(Exchange batch) {
        @SuppressWarnings("unchecked")
        List<Exchange> records = batch.getIn().getBody(List.class);
        List<Exchange> oneByOne = new ArrayList<>();
        List<Parsed> events = new ArrayList<>();
        for (Exchange record : records) {
            try {
                events.add(parse(record));
            } catch (InvalidEventException e) {
                oneByOne.add(record); // the per-record route dead-letters it, with the reason
            }
        }
        try {
            applyAll(events);
        } catch (SQLException e) {
            LOG.warn("A batch of {} records was refused ({}); applying them one by one", records.size(), e.getMessage());
            oneByOne = records;
        }
        batch.setProperty(EventRecords.ONE_BY_ONE, oneByOne);
    }

    private record Parsed(Exchange record, EventEnvelope event, String topic, String key) {
    }

    private static Parsed parse(Exchange record) throws InvalidEventException {
        String key = record.getIn().getHeader(KafkaConstants.KEY, String.class);
        EventEnvelope event = EventRecords.envelope(record.getIn().getBody(String.class));
        if (key == null || key.isBlank()) {
            throw new InvalidEventException("record has no key (the entity id)");
        }
        return new Parsed(record, event, record.getIn().getHeader(KafkaConstants.TOPIC, String.class), key);
    }

    private void applyAll(List<Parsed> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        List<Parsed> duplicates = new ArrayList<>();
        Transactions.inTransaction(dataSource, c -> {
            Set<String> appliedBefore = alreadyApplied(c, events);
            Map<String, Parsed> fresh = new LinkedHashMap<>();
            for (Parsed p : events) {
                if (appliedBefore.contains(p.event().eventId()) || fresh.putIfAbsent(p.event().eventId(), p) != null) {
                    duplicates.add(p); // a redelivery, or the same event twice in one poll
                }
            }
            insertApplied(c, fresh.values());
            updateEntities(c, fresh.values());
        });
        duplicates.forEach(p -> MessagingMetrics.duplicateIgnored(p.record()));
    }

    private static Set<String> alreadyApplied(Connection c, List<Parsed> events) throws SQLException {
        return SqlInList.select(c, "SELECT event_id FROM event_applied WHERE event_id IN ",
                events.stream().map(p -> p.event().eventId()).toList(), rs -> rs.getString(1));
    }

    private static void insertApplied(Connection c, Collection<Parsed> events) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_applied (event_id, topic, entity_id, event_type, "
                + "kafka_partition, kafka_offset, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            Timestamp now = Timestamp.from(Instant.now());
            for (Parsed p : events) {
                ps.setString(1, p.event().eventId());
                ps.setString(2, p.topic());
                ps.setString(3, p.key());
                ps.setString(4, p.event().event());
                ps.setObject(5, p.record().getIn().getHeader(KafkaConstants.PARTITION, Integer.class));
                ps.setObject(6, p.record().getIn().getHeader(KafkaConstants.OFFSET, Long.class));
                ps.setTimestamp(7, now);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** One UPDATE (or INSERT) per entity of the batch: its count grows by its events, its last event is the last one. */
    private static void updateEntities(Connection c, Collection<Parsed> events) throws SQLException {
        Map<List<String>, Parsed> last = new LinkedHashMap<>();
        Map<List<String>, Integer> counts = new HashMap<>();
        for (Parsed p : events) {
            List<String> entity = List.of(p.topic(), p.key());
            last.put(entity, p);
            counts.merge(entity, 1, Integer::sum);
        }
        List<List<String>> entities = new ArrayList<>(last.keySet());
        int[] updated;
        try (PreparedStatement update = c.prepareStatement("UPDATE entity_projection SET event_count = event_count + ?, "
                + "last_event_id = ?, last_event_type = ?, last_occurred_at = ?, last_data = ? WHERE topic = ? AND entity_id = ?")) {
            for (List<String> entity : entities) {
                Parsed p = last.get(entity);
                update.setInt(1, counts.get(entity));
                update.setString(2, p.event().eventId());
                update.setString(3, p.event().event());
                update.setString(4, p.event().occurredAt());
                update.setString(5, p.event().data() == null ? null : p.event().data().toString());
                update.setString(6, entity.get(0));
                update.setString(7, entity.get(1));
                update.addBatch();
            }
            updated = update.executeBatch();
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO entity_projection (topic, entity_id, event_count, "
                + "last_event_id, last_event_type, last_occurred_at, last_data) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            boolean any = false;
            for (int i = 0; i < entities.size(); i++) {
                if (updated[i] > 0) {
                    continue;
                }
                if (updated[i] != 0) {
                    // the driver did not say (SUCCESS_NO_INFO): no way to know whether the row exists
                    throw new SQLException("the JDBC driver gave no update count for a batched UPDATE");
                }
                List<String> entity = entities.get(i);
                Parsed p = last.get(entity);
                insert.setString(1, entity.get(0));
                insert.setString(2, entity.get(1));
                insert.setInt(3, counts.get(entity));
                insert.setString(4, p.event().eventId());
                insert.setString(5, p.event().event());
                insert.setString(6, p.event().occurredAt());
                insert.setString(7, p.event().data() == null ? null : p.event().data().toString());
                insert.addBatch();
                any = true;
            }
            if (any) {
                insert.executeBatch();
            }
        }
    }

    /** Forgets everything derived from {@code topic}, before a replay rebuilds it. */
    public void reset(String topic) throws SQLException {
        Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement a = c.prepareStatement("DELETE FROM event_applied WHERE topic = ?");
                 PreparedStatement b = c.prepareStatement("DELETE FROM entity_projection WHERE topic = ?")) {
                a.setString(1, topic);
                a.executeUpdate();
                b.setString(1, topic);
                b.executeUpdate();
            }
        });
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
            if (Transactions.isIntegrityViolation(e)) {
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
