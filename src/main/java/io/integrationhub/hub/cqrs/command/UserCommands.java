package io.integrationhub.hub.cqrs.command;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.Outbox;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.cqrs.api.UserDeleted;
import io.integrationhub.hub.cqrs.api.UserEvents;
import io.integrationhub.hub.cqrs.api.UserRequest;
import io.integrationhub.hub.cqrs.api.UserState;
import io.integrationhub.hub.cqrs.api.UserUpdated;
import io.integrationhub.hub.common.EventEnvelope;

/**
 * The write side of the users: each command changes {@code user_account} and appends its event to
 * the outbox in ONE database transaction (transactional outbox), so a user is never
 * changed without its event, nor an event published for a change that did not happen. Kafka is
 * not touched here: {@code outbox-relay} publishes the outbox.
 * <p>
 * Plain JDBC rather than camel-sql: two statements must share one transaction, and camel-sql
 * would need a Spring transaction manager just for that.
 */
public class UserCommands {

    private static final ObjectMapper JSON = Json.MAPPER;
    private final DataSource dataSource;
    private final String topic;

    public UserCommands(DataSource dataSource, String topic) {
        this.dataSource = dataSource;
        this.topic = topic;
    }

    /** Work that commits with a write, or not at all (e.g. the stored answer of an Idempotency-Key). */
    @FunctionalInterface
    public interface InSameTransaction {
        void run(Connection c, UserState user) throws Exception;
    }

    public UserState create(UserRequest request) throws Exception {
        return create(request, (c, user) -> { });
    }

    /** Creates the user; {@code alsoDo} runs in the same transaction, before its commit. */
    public UserState create(UserRequest request, InSameTransaction alsoDo) throws Exception {
        String id = request.id() == null ? UUID.randomUUID().toString() : request.id();
        Instant now = now();
        UserState user = new UserState(id, request.name(), request.email(), now.toString(), now.toString(), 1);
        try {
            return Transactions.inTransaction(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO user_account (id, name, email, email_key, "
                        + "version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)")) {
                    ps.setString(1, id);
                    ps.setString(2, user.name());
                    ps.setString(3, user.email());
                    ps.setString(4, emailKey(user.email()));
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setTimestamp(6, Timestamp.from(now));
                    ps.executeUpdate();
                }
                appendEvent(c, id, UserEvents.CREATED, user, now);
                alsoDo.run(c, user);
                return user;
            });
        } catch (SQLException e) {
            if (Transactions.isUniqueViolation(e)) {
                throw conflict(id, user.email());
            }
            throw e;
        }
    }

    public UserState update(String id, UserRequest request) throws Exception {
        Instant now = now();
        try {
            return Transactions.inTransaction(dataSource, c -> {
                Current current = lockLive(c, id);
                UserState user = new UserState(id, request.name(), request.email(), current.createdAt().toString(),
                        now.toString(), current.version() + 1);
                try (PreparedStatement ps = c.prepareStatement("UPDATE user_account SET name = ?, email = ?, email_key = ?, "
                        + "version = ?, updated_at = ? WHERE id = ?")) {
                    ps.setString(1, user.name());
                    ps.setString(2, user.email());
                    ps.setString(3, emailKey(user.email()));
                    ps.setLong(4, user.version());
                    ps.setTimestamp(5, Timestamp.from(now));
                    ps.setString(6, id);
                    ps.executeUpdate();
                }
                List<String> changed = new ArrayList<>(2);
                if (!user.name().equals(current.name())) {
                    changed.add("name");
                }
                if (!user.email().equals(current.email())) {
                    changed.add("email");
                }
                appendEvent(c, id, UserEvents.UPDATED, UserUpdated.of(user, changed), now);
                return user;
            });
        } catch (SQLException e) {
            if (Transactions.isUniqueViolation(e)) {
                throw conflict(null, request.email());
            }
            throw e;
        }
    }

    public void delete(String id) throws Exception {
        Instant now = now();
        Transactions.inTransaction(dataSource, c -> {
            Current current = lockLive(c, id);
            long version = current.version() + 1;
            // the address is freed (email_key NULL) so it can belong to a new user
            try (PreparedStatement ps = c.prepareStatement("UPDATE user_account SET email_key = NULL, version = ?, "
                    + "updated_at = ?, deleted_at = ? WHERE id = ?")) {
                ps.setLong(1, version);
                ps.setTimestamp(2, Timestamp.from(now));
                ps.setTimestamp(3, Timestamp.from(now));
                ps.setString(4, id);
                ps.executeUpdate();
            }
            appendEvent(c, id, UserEvents.DELETED, new UserDeleted(id, now.toString(), version), now);
        });
    }

    /** The user as the write model holds it right now (read-your-writes for the {@code Location} of a create). */
    public UserState find(String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT name, email, created_at, updated_at, version "
                     + "FROM user_account WHERE id = ? AND deleted_at IS NULL")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new DomainException.NotFound("no user " + id);
                }
                return new UserState(id, rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant().toString(),
                        rs.getTimestamp(4).toInstant().toString(), rs.getLong(5));
            }
        }
    }

    private record Current(String name, String email, Instant createdAt, long version) {
    }

    /** Locks the live user's row for the rest of the transaction, so concurrent changes get consecutive versions. */
    private static Current lockLive(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name, email, created_at, version FROM user_account WHERE id = ? AND deleted_at IS NULL FOR UPDATE")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new DomainException.NotFound("no user " + id);
                }
                return new Current(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getLong(4));
            }
        }
    }

    private void appendEvent(Connection c, String id, String type, Object data, Instant now) throws SQLException {
        Outbox.append(c, topic, id, new EventEnvelope(UUID.randomUUID().toString(), type, now.toString(),
                JSON.valueToTree(data)));
    }

    /** After a unique violation (the transaction rolled back): which of id and email is taken. */
    private DomainException.Conflict conflict(String id, String email) throws SQLException {
        if (id != null) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT 1 FROM user_account WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new DomainException.Conflict("a user with id " + id
                                + " exists or existed; ids are never reused");
                    }
                }
            }
        }
        return new DomainException.Conflict("email " + email + " belongs to another user");
    }

    private static String emailKey(String email) {
        return email.toLowerCase(Locale.ROOT);
    }

    private static Instant now() {
        // millisecond precision: what both H2 and PostgreSQL keep, so events and rows agree
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
