package io.integrationhub.hub.cqrs.query;

import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
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
import io.integrationhub.hub.cqrs.api.UserDeleted;
import io.integrationhub.hub.cqrs.api.UserEvents;
import io.integrationhub.hub.cqrs.api.UserState;
import io.integrationhub.hub.common.InvalidEventException;
import io.integrationhub.hub.common.EventEnvelope;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@code user-events} record to the read model, in one transaction:
 * <ul>
 *   <li>idempotent by eventId ({@code user_view_applied}): the same event twice changes nothing;</li>
 *   <li>ordered per user by the event's version: Kafka keeps a key's records in order, and an
 *       older version arriving late (a relay retry after a newer one went out) is ignored.</li>
 * </ul>
 * Events carry the whole state, so applying one never needs an earlier one.
 * <p>
 * The projector applies a whole poll at once ({@link #applyBatch}): one transaction, one write per
 * user (its newest version in the poll). What the batch cannot take — a record that is not a user
 * event, or every record when the transaction fails — is left for the per-record route with its
 * retries and dead letters ({@link #apply}).
 */
public class UserProjector {

    private static final Logger LOG = LoggerFactory.getLogger(UserProjector.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private final DataSource dataSource;

    public UserProjector(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Returns true when the read model changed (a new event, newer than what the model holds). */
    public boolean apply(Exchange exchange) throws Exception {
        String key = exchange.getIn().getHeader(KafkaConstants.KEY, String.class);
        EventEnvelope event = EventRecords.envelope(exchange.getIn().getBody(String.class));
        Change change = change(event, key);
        if (change == null) {
            return false; // an event type this hub version does not know: not ours to judge
        }
        Boolean newer = Transactions.inTransaction(dataSource, c -> {
            if (!markApplied(c, event.eventId(), change)) {
                c.rollback(); // the failed INSERT ended the transaction on PostgreSQL: nothing to commit
                return null;
            }
            Long current = currentVersion(c, change.id());
            boolean isNewer = current == null || change.version() > current;
            if (isNewer) {
                write(c, change, current != null);
            }
            return isNewer;
        });
        if (newer == null) {
            MessagingMetrics.duplicateIgnored(exchange);
            return false;
        }
        return newer;
    }

    /**
     * Applies the records of a poll (the body of a camel-kafka batch exchange) in one transaction and
     * sets {@link EventRecords#ONE_BY_ONE} to the records left for the per-record route.
     */
    public void applyBatch(Exchange batch) {
        @SuppressWarnings("unchecked")
        List<Exchange> records = batch.getIn().getBody(List.class);
        List<Exchange> oneByOne = new ArrayList<>();
        List<Applied> changes = new ArrayList<>();
        for (Exchange record : records) {
            try {
                EventEnvelope event = EventRecords.envelope(record.getIn().getBody(String.class));
                Change change = change(event, record.getIn().getHeader(KafkaConstants.KEY, String.class));
                if (change != null) { // null: an event type this hub version does not know, not ours to judge
                    changes.add(new Applied(record, event.eventId(), change));
                }
            } catch (InvalidEventException e) {
                oneByOne.add(record); // the per-record route dead-letters it, with the reason
            }
        }
        try {
            applyAll(changes);
        } catch (SQLException e) {
            LOG.warn("A batch of {} user events was refused ({}); applying them one by one", records.size(), e.getMessage());
            oneByOne = records;
        }
        batch.setProperty(EventRecords.ONE_BY_ONE, oneByOne);
    }

    private record Applied(Exchange record, String eventId, Change change) {
    }

    private void applyAll(List<Applied> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        List<Applied> duplicates = new ArrayList<>();
        Transactions.inTransaction(dataSource, c -> {
            Set<String> appliedBefore = SqlInList.select(c, "SELECT event_id FROM user_view_applied WHERE event_id IN ",
                    changes.stream().map(Applied::eventId).toList(), rs -> rs.getString(1));
            Map<String, Applied> fresh = new LinkedHashMap<>();
            for (Applied a : changes) {
                if (appliedBefore.contains(a.eventId()) || fresh.putIfAbsent(a.eventId(), a) != null) {
                    duplicates.add(a); // a redelivery, or the same event twice in one poll
                }
            }
            // each user's newest version in this poll
            Map<String, Change> newest = new LinkedHashMap<>();
            for (Applied a : fresh.values()) {
                newest.merge(a.change().id(), a.change(), (x, y) -> y.version() > x.version() ? y : x);
            }
            Map<String, Long> current = new HashMap<>();
            SqlInList.select(c, "SELECT id, version FROM user_view WHERE id IN ", new ArrayList<>(newest.keySet()), rs -> {
                current.put(rs.getString(1), rs.getLong(2));
                return null;
            });
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO user_view_applied (event_id, user_id, version, applied_at) VALUES (?, ?, ?, ?)")) {
                Timestamp now = Timestamp.from(Instant.now());
                for (Applied a : fresh.values()) {
                    ps.setString(1, a.eventId());
                    ps.setString(2, a.change().id());
                    ps.setLong(3, a.change().version());
                    ps.setTimestamp(4, now);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement update = c.prepareStatement(UPDATE); PreparedStatement insert = c.prepareStatement(INSERT)) {
                for (Change change : newest.values()) {
                    Long version = current.get(change.id());
                    if (version == null) {
                        bind(insert, change);
                        insert.addBatch();
                    } else if (change.version() > version) {
                        bind(update, change);
                        update.addBatch();
                    }
                }
                insert.executeBatch();
                update.executeBatch();
            }
        });
        duplicates.forEach(a -> MessagingMetrics.duplicateIgnored(a.record()));
    }

    /** The new state of one user as an event tells it; {@code deleted} for a tombstone. */
    private record Change(String id, String name, String email, String createdAt, String updatedAt, long version,
                          boolean deleted) {
    }

    private static Change change(EventEnvelope event, String key) throws InvalidEventException {
        Change change;
        try {
            switch (event.event()) {
                case UserEvents.CREATED, UserEvents.UPDATED -> {
                    UserState s = JSON.treeToValue(event.data(), UserState.class);
                    if (s.name() == null || s.email() == null) {
                        throw new InvalidEventException(event.event() + " without name or email");
                    }
                    change = new Change(s.id(), s.name(), s.email(), s.createdAt(), s.updatedAt(), s.version(), false);
                }
                case UserEvents.DELETED -> {
                    UserDeleted d = JSON.treeToValue(event.data(), UserDeleted.class);
                    change = new Change(d.id(), null, null, null, d.deletedAt(), d.version(), true);
                }
                default -> {
                    return null;
                }
            }
        } catch (InvalidEventException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidEventException(event.event() + " data is not a user: " + e.getMessage());
        }
        if (change.id() == null || !change.id().equals(key) || change.version() < 1) {
            throw new InvalidEventException(event.event() + " needs data.id equal to the record key (" + key
                    + ") and a version");
        }
        return change;
    }

    private static boolean markApplied(Connection c, String eventId, Change change) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO user_view_applied (event_id, user_id, version, applied_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, eventId);
            ps.setString(2, change.id());
            ps.setLong(3, change.version());
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (Transactions.isUniqueViolation(e)) {
                return false; // applied before: a redelivery
            }
            throw e;
        }
    }

    private static Long currentVersion(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM user_view WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    // a deletion keeps only a tombstone (id, version): name and email are gone from the read side
    private static final String UPDATE = "UPDATE user_view SET name = ?, email = ?, created_at = ?, updated_at = ?, "
            + "version = ?, deleted = ? WHERE id = ?";
    private static final String INSERT = "INSERT INTO user_view (name, email, created_at, updated_at, version, deleted, id) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?)";

    private static void write(Connection c, Change change, boolean exists) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(exists ? UPDATE : INSERT)) {
            bind(ps, change);
            ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Change change) throws SQLException {
        ps.setString(1, change.name());
        ps.setString(2, change.email());
        ps.setString(3, change.createdAt());
        ps.setString(4, change.updatedAt());
        ps.setLong(5, change.version());
        ps.setBoolean(6, change.deleted());
        ps.setString(7, change.id());
    }
}
