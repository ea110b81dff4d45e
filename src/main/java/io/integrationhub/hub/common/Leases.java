package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.integrationhub.hub.common.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases in SQL (table {@code hub_lease}) for work that one instance at a time may do: the outbox
 * relay, the outbox purge. An instance calls {@link #holds} before each round of such work; it
 * holds the lease while it renews it, and a lease not renewed for {@code hub.cluster.lease-ms}
 * (its holder died or lost the database) is taken over by the next instance that asks.
 * <p>
 * Times are the database's clock ({@code CURRENT_TIMESTAMP}), so instances on hosts whose clocks
 * differ agree on expiry. A holder renews when a third of the lease has passed and stops acting
 * on it at that point if the renewal fails, so it stops at least two thirds of a lease before
 * another instance may start. Chosen over Camel's {@code master:} component because Camel ships no
 * cluster service on a plain SQL database, the one thing every hub instance already shares.
 */
public final class Leases {

    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

    private final DataSource dataSource;
    private final String owner;
    private final Duration ttl;
    /** Per lease: System.nanoTime() until which this instance acts on it without asking the database. */
    private final Map<String, Long> heldUntil = new ConcurrentHashMap<>();

    public Leases(DataSource dataSource, String owner, Duration ttl) {
        this.dataSource = dataSource;
        this.owner = owner;
        this.ttl = ttl;
    }

    /** True when this instance holds lease {@code name} now (acquiring or renewing it when due). */
    public boolean holds(String name) throws SQLException {
        Long until = heldUntil.get(name);
        long now = System.nanoTime();
        if (until != null && now < until) {
            return true;
        }
        boolean held = acquire(name);
        if (held) {
            heldUntil.put(name, now + ttl.toNanos() / 3);
            if (until == null) {
                LOG.info("This instance ({}) now holds lease {}", owner, name);
            }
        } else if (heldUntil.remove(name) != null) {
            LOG.warn("This instance ({}) lost lease {}", owner, name);
        }
        return held;
    }

    /** Lets another instance take the lease at once (on a clean stop). */
    public void releaseAll() {
        for (String name : heldUntil.keySet()) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "UPDATE hub_lease SET expires_at = ? WHERE name = ? AND owner = ?")) {
                ps.setTimestamp(1, new Timestamp(0));
                ps.setString(2, name);
                ps.setString(3, owner);
                ps.executeUpdate();
            } catch (SQLException e) {
                LOG.warn("Could not release lease {}: {} (another instance takes it once it expires)", name, e.getMessage());
            }
        }
        heldUntil.clear();
    }

    private boolean acquire(String name) throws SQLException {
        try {
            return Transactions.inTransaction(dataSource, c -> {
                Timestamp dbNow = databaseNow(c);
                Timestamp expires = new Timestamp(dbNow.getTime() + ttl.toMillis());
                int updated;
                try (PreparedStatement ps = c.prepareStatement("UPDATE hub_lease SET owner = ?, expires_at = ? "
                        + "WHERE name = ? AND (owner = ? OR expires_at < ?)")) {
                    ps.setString(1, owner);
                    ps.setTimestamp(2, expires);
                    ps.setString(3, name);
                    ps.setString(4, owner);
                    ps.setTimestamp(5, dbNow);
                    updated = ps.executeUpdate();
                }
                if (updated == 0 && !exists(c, name)) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO hub_lease (name, owner, expires_at) VALUES (?, ?, ?)")) {
                        ps.setString(1, name);
                        ps.setString(2, owner);
                        ps.setTimestamp(3, expires);
                        updated = ps.executeUpdate();
                    }
                }
                return updated == 1;
            });
        } catch (SQLException e) {
            if (Transactions.isIntegrityViolation(e)) {
                return false; // another instance inserted it first
            }
            throw e;
        }
    }

    private static boolean exists(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM hub_lease WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The database's clock: the same for every instance, whatever their hosts' clocks say. */
    public static Timestamp databaseNow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT CURRENT_TIMESTAMP");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }
}
