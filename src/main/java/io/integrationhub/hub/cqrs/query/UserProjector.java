package io.integrationhub.hub.cqrs.query;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.cqrs.api.UserDeleted;
import io.integrationhub.hub.cqrs.api.UserEvents;
import io.integrationhub.hub.cqrs.api.UserState;
import io.integrationhub.hub.eventlog.EventProjection;
import io.integrationhub.hub.eventlog.InvalidEventException;
import io.integrationhub.hub.eventlog.api.EventEnvelope;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Applies a {@code user-events} record to the read model, in one transaction:
 * <ul>
 *   <li>idempotent by eventId ({@code user_view_applied}): the same event twice changes nothing;</li>
 *   <li>ordered per user by the event's version: Kafka keeps a key's records in order, and an
 *       older version arriving late (a relay retry after a newer one went out) is ignored.</li>
 * </ul>
 * Events carry the whole state, so applying one never needs an earlier one.
 */
public class UserProjector {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final DataSource dataSource;

    public UserProjector(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Returns true when the read model changed (a new event, newer than what the model holds). */
    public boolean apply(Exchange exchange) throws Exception {
        String key = exchange.getIn().getHeader(KafkaConstants.KEY, String.class);
        EventEnvelope event = EventProjection.read(exchange.getIn().getBody(String.class));
        Change change = change(event, key);
        if (change == null) {
            return false; // an event type this hub version does not know: not ours to judge
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!markApplied(c, event.eventId(), change)) {
                    c.rollback();
                    return false;
                }
                Long current = currentVersion(c, change.id());
                boolean newer = current == null || change.version() > current;
                if (newer) {
                    write(c, change, current != null);
                }
                c.commit();
                return newer;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
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
            if ("23505".equals(e.getSQLState())) {
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

    private static void write(Connection c, Change change, boolean exists) throws SQLException {
        String sql = exists
                // a deletion keeps only a tombstone (id, version): name and email are gone from the read side
                ? "UPDATE user_view SET name = ?, email = ?, created_at = ?, updated_at = ?, version = ?, deleted = ? "
                        + "WHERE id = ?"
                : "INSERT INTO user_view (name, email, created_at, updated_at, version, deleted, id) VALUES (?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, change.name());
            ps.setString(2, change.email());
            ps.setString(3, change.createdAt());
            ps.setString(4, change.updatedAt());
            ps.setLong(5, change.version());
            ps.setBoolean(6, change.deleted());
            ps.setString(7, change.id());
            ps.executeUpdate();
        }
    }
}
