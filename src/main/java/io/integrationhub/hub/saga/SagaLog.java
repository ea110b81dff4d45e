package io.integrationhub.hub.saga;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventEnvelope;
import io.integrationhub.hub.common.Leases;
import io.integrationhub.hub.common.Outbox;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.saga.api.Order;
import io.integrationhub.hub.saga.api.OrderCancelled;
import io.integrationhub.hub.saga.api.OrderItem;
import io.integrationhub.hub.saga.api.OrderRequest;
import io.integrationhub.hub.saga.api.OrderStatus;

/**
 * The saga log in SQL: each order's state (PENDING, CONFIRMED, CANCELLED) and each step's. Camel's
 * in-memory saga service coordinates a saga while the hub runs; this log is what survives a
 * crash, so {@link SagaRoutes}' recovery can end the sagas a stopped hub left PENDING. Ending an
 * order (confirm or cancel) and writing its outcome event to the outbox is one transaction, and
 * only a PENDING order can end: the first of completion, compensation and recovery wins.
 */
public class SagaLog {

    public static final String PENDING = "PENDING";
    public static final String CONFIRMED = "CONFIRMED";
    public static final String CANCELLED = "CANCELLED";

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final TypeReference<List<OrderItem>> ITEMS = new TypeReference<>() {
    };

    private final DataSource dataSource;
    private final String topic;
    private final String owner;
    private final Duration leaseTime;

    public SagaLog(DataSource dataSource, String topic) {
        this(dataSource, topic, null, Duration.ofSeconds(10));
    }

    /**
     * @param owner     this instance's id, recorded on the sagas it starts
     * @param leaseTime how old another instance's heartbeat may be before its sagas count as orphaned
     */
    public SagaLog(DataSource dataSource, String topic, String owner, Duration leaseTime) {
        this.dataSource = dataSource;
        this.topic = topic;
        this.owner = owner;
        this.leaseTime = leaseTime;
    }

    /** Work that commits with the new order, or not at all (e.g. the stored answer of an Idempotency-Key). */
    @FunctionalInterface
    public interface InSameTransaction {
        void run(Connection c, Order order) throws Exception;
    }

    /** Records a new PENDING order; returns it with its id. */
    public Order start(OrderRequest request) throws Exception {
        return start(request, (c, order) -> { });
    }

    /** Records a new PENDING order, {@code alsoDo} in the same transaction; returns it with its id. */
    public Order start(OrderRequest request, InSameTransaction alsoDo) throws Exception {
        Order order = newOrder(request);
        Transactions.inTransaction(dataSource, c -> {
            insert(c, order, Instant.now());
            alsoDo.run(c, order);
        });
        return order;
    }

    /**
     * Records a new PENDING order and its {@code OrderPlaced} event in the outbox, in one transaction:
     * the start of the choreographed saga, which the services' reactions to the event carry on.
     */
    public Order place(OrderRequest request) throws Exception {
        Order order = newOrder(request);
        Instant now = Instant.now();
        Transactions.inTransaction(dataSource, c -> {
            insert(c, order, now);
            Outbox.append(c, topic, order.orderId(), new EventEnvelope(UUID.randomUUID().toString(), "OrderPlaced",
                    now.toString(), JSON.valueToTree(order)));
        });
        return order;
    }

    private static Order newOrder(OrderRequest request) {
        return new Order(UUID.randomUUID().toString(), request.userId(), request.items(), request.amount());
    }

    private void insert(Connection c, Order order, Instant now) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO saga_order (order_id, user_id, amount, items, status, "
                + "created_at, updated_at, owner_instance, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, order.orderId());
            ps.setString(2, order.userId());
            ps.setBigDecimal(3, order.amount());
            ps.setString(4, JSON.writeValueAsString(order.items()));
            ps.setString(5, PENDING);
            ps.setTimestamp(6, Timestamp.from(now));
            ps.setTimestamp(7, Timestamp.from(now));
            ps.setString(8, owner);
            ps.setString(9, TraceIds.current());
            ps.executeUpdate();
        }
    }

    /** Records a step's state (STARTED, RESERVED, FAILED, COMPENSATED). */
    public void step(String orderId, String step, String status) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE saga_step SET status = ?, updated_at = ? WHERE order_id = ? AND step = ?")) {
                update.setString(1, status);
                update.setTimestamp(2, Timestamp.from(Instant.now()));
                update.setString(3, orderId);
                update.setString(4, step);
                if (update.executeUpdate() == 1) {
                    return;
                }
            }
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO saga_step (order_id, step, status, updated_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, orderId);
                insert.setString(2, step);
                insert.setString(3, status);
                insert.setTimestamp(4, Timestamp.from(Instant.now()));
                insert.executeUpdate();
            }
        }
    }

    /** Keeps the first reason a PENDING order failed for. */
    public void recordFailure(String orderId, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE saga_order SET reason = ?, updated_at = ? "
                     + "WHERE order_id = ? AND status = ? AND reason IS NULL")) {
            ps.setString(1, reason.length() > 500 ? reason.substring(0, 500) : reason);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.setString(3, orderId);
            ps.setString(4, PENDING);
            ps.executeUpdate();
        }
    }

    /**
     * Confirms a PENDING order and puts {@code OrderConfirmed} in the outbox, in one transaction.
     * Returns the order when it is CONFIRMED (now or before, so a retried completion publishes again),
     * null when it had ended otherwise.
     */
    public Order confirm(String orderId) throws Exception {
        return end(orderId, CONFIRMED, null).orElse(null);
    }

    /** Cancels a PENDING order with its recorded reason (else {@code defaultReason}) and puts {@code OrderCancelled} in the outbox. */
    public void cancel(String orderId, String defaultReason) throws Exception {
        end(orderId, CANCELLED, defaultReason);
    }

    private Optional<Order> end(String orderId, String status, String defaultReason) throws Exception {
        return Transactions.inTransaction(dataSource, c -> {
            Optional<OrderStatus> current = read(c, orderId, true);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            OrderStatus order = current.get();
            Order data = new Order(order.orderId(), order.userId(), order.items(), order.amount());
            if (!PENDING.equals(order.status())) {
                return status.equals(order.status()) && CONFIRMED.equals(status) ? Optional.of(data) : Optional.empty();
            }
            String reason = CANCELLED.equals(status) ? (order.reason() != null ? order.reason() : defaultReason) : null;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE saga_order SET status = ?, reason = ?, updated_at = ? WHERE order_id = ?")) {
                ps.setString(1, status);
                ps.setString(2, reason);
                ps.setTimestamp(3, Timestamp.from(Instant.now()));
                ps.setString(4, orderId);
                ps.executeUpdate();
            }
            Object eventData = CONFIRMED.equals(status) ? data : new OrderCancelled(orderId, reason);
            String event = CONFIRMED.equals(status) ? "OrderConfirmed" : "OrderCancelled";
            Outbox.append(c, topic, orderId, new EventEnvelope(UUID.randomUUID().toString(), event,
                    Instant.now().toString(), JSON.valueToTree(eventData)));
            return CONFIRMED.equals(status) ? Optional.of(data) : Optional.empty();
        });
    }

    public Optional<OrderStatus> find(String orderId) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return read(c, orderId, false);
        }
    }

    /**
     * Ids of the PENDING orders nobody drives any more: this instance's own (or unowned) ones with no
     * change for longer than {@code idle}, and those of an instance that is dead (stopped, or no
     * heartbeat for the lease time) with no change for the lease time. A live instance's sagas are
     * never taken: it ends each within the saga timeout itself.
     */
    public List<String> stalled(long idleMs) throws SQLException {
        Duration idle = Duration.ofMillis(idleMs);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT o.order_id FROM saga_order o WHERE o.status = ? AND ("
                     + "((o.owner_instance IS NULL OR o.owner_instance = ?) AND o.updated_at < ?) "
                     + "OR (o.owner_instance <> ? AND o.updated_at < ? AND NOT EXISTS (SELECT 1 FROM hub_instance i "
                     + "WHERE i.instance_id = o.owner_instance AND i.stopped_at IS NULL AND i.heartbeat_at >= ?))"
                     + ") ORDER BY o.created_at")) {
            Instant now = Instant.now();
            Timestamp dbNow = Leases.databaseNow(c);
            String self = owner == null ? "" : owner;
            ps.setString(1, PENDING);
            ps.setString(2, self);
            ps.setTimestamp(3, Timestamp.from(now.minus(idle)));
            ps.setString(4, self);
            ps.setTimestamp(5, Timestamp.from(now.minus(leaseTime)));
            ps.setTimestamp(6, new Timestamp(dbNow.getTime() - leaseTime.toMillis()));
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        }
    }

    /** True when every step of the order is RESERVED: recovery may finish it instead of compensating. */
    public boolean allReserved(String orderId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*) FROM saga_step WHERE order_id = ? AND status = 'RESERVED'")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == SagaRoutes.STEPS.size();
            }
        }
    }

    private static Optional<OrderStatus> read(Connection c, String orderId, boolean lock) throws Exception {
        String sql = "SELECT user_id, amount, items, status, reason, trace_id FROM saga_order WHERE order_id = ?" + (lock ? " FOR UPDATE" : "");
        String userId;
        java.math.BigDecimal amount;
        List<OrderItem> items;
        String status;
        String reason;
        String traceId;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                userId = rs.getString(1);
                amount = rs.getBigDecimal(2);
                items = JSON.readValue(rs.getString(3), ITEMS);
                status = rs.getString(4);
                reason = rs.getString(5);
                traceId = rs.getString(6);
            }
        }
        List<OrderStatus.Step> steps = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT step, status, updated_at FROM saga_step WHERE order_id = ? ORDER BY updated_at, step")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    steps.add(new OrderStatus.Step(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant().toString()));
                }
            }
        }
        return Optional.of(new OrderStatus(orderId, userId, amount, items, status, reason, steps, traceId));
    }
}
