package io.integrationhub.hub.samples;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.saga.api.OrderItem;

/**
 * Logic of the stand-in inventory service of {@code routes/samples/inventory.camel.yaml}: stock
 * per SKU in SQL (seeded by migration), which a reservation really decrements, all items or none,
 * and a release really restores. Idempotent per order; a release before the reservation leaves a
 * RELEASED mark that refuses the late reservation. Never oversells: each decrement is a guarded
 * UPDATE under the row's lock, and the table refuses a negative stock. The stock read is a query in
 * the YAML route itself (camel-sql); what needs a transaction is here.
 */
public class InventoryStandIn {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final TypeReference<List<OrderItem>> ITEMS = new TypeReference<>() {
    };
    private final DataSource dataSource;

    public InventoryStandIn(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** {@code POST /reservations} with the order ({@code orderId, items}); {@code Conflict} when stock is short. */
    public Map<String, Object> reserve(byte[] body) throws Exception {
        JsonNode order = JSON.readTree(body);
        String orderId = order.path("orderId").asText();
        List<OrderItem> items = JSON.convertValue(order.path("items"), ITEMS);
        if (orderId.isEmpty() || items == null || items.isEmpty()) {
            throw new DomainException.Invalid("a reservation needs orderId and items");
        }
        Transactions.inTransaction(dataSource, c -> {
            String status = status(c, orderId);
            if ("RELEASED".equals(status)) {
                throw new DomainException.Conflict("the stock of order " + orderId + " was released");
            }
            if (status == null) {
                // one SKU order for every reservation: two orders never wait on each other's rows in a cycle
                List<OrderItem> sorted = new ArrayList<>(items);
                sorted.sort(Comparator.comparing(OrderItem::sku));
                for (OrderItem item : sorted) {
                    take(c, item);
                }
                hold(c, orderId, JSON.writeValueAsString(items), "RESERVED", false);
            }
        });
        return Map.of("orderId", orderId, "status", "RESERVED");
    }

    /** {@code DELETE /reservations/{orderId}}: puts the order's items back; released whether there was a reservation or not. */
    public Map<String, Object> release(String orderId) throws Exception {
        Transactions.inTransaction(dataSource, c -> {
            String status = status(c, orderId);
            if (status == null) {
                hold(c, orderId, "[]", "RELEASED", false);
            } else if ("RESERVED".equals(status)) {
                for (OrderItem item : items(c, orderId)) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE sample_inventory_stock SET available = available + ? WHERE sku = ?")) {
                        ps.setInt(1, item.quantity());
                        ps.setString(2, item.sku());
                        ps.executeUpdate();
                    }
                }
                hold(c, orderId, null, "RELEASED", true);
            }
        });
        return Map.of("orderId", orderId, "status", "RELEASED");
    }

    private static void take(Connection c, OrderItem item) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE sample_inventory_stock SET available = available - ? WHERE sku = ? AND available >= ?")) {
            ps.setInt(1, item.quantity());
            ps.setString(2, item.sku());
            ps.setInt(3, item.quantity());
            if (ps.executeUpdate() == 1) {
                return;
            }
        } catch (SQLException e) {
            if (Transactions.isIntegrityViolation(e)) {
                throw shortOf(item, null);
            }
            throw e;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT available FROM sample_inventory_stock WHERE sku = ?")) {
            ps.setString(1, item.sku());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new DomainException.Conflict("unknown SKU " + item.sku());
                }
                throw shortOf(item, rs.getInt(1));
            }
        }
    }

    private static DomainException.Conflict shortOf(OrderItem item, Integer available) {
        return new DomainException.Conflict("stock short for " + item.sku() + ": " + item.quantity()
                + " wanted" + (available == null ? "" : ", " + available + " available"));
    }

    private static String status(Connection c, String orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status FROM sample_inventory_hold WHERE order_id = ? FOR UPDATE")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static List<OrderItem> items(Connection c, String orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT items FROM sample_inventory_hold WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return JSON.readValue(rs.getString(1), ITEMS);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("hold of order " + orderId + " has unreadable items", e);
        }
    }

    private static void hold(Connection c, String orderId, String items, String status, boolean exists) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(exists
                ? "UPDATE sample_inventory_hold SET status = ?, updated_at = ? WHERE order_id = ?"
                : "INSERT INTO sample_inventory_hold (status, updated_at, order_id, items) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, status);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.setString(3, orderId);
            if (!exists) {
                ps.setString(4, items);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            if (Transactions.isUniqueViolation(e)) {
                throw new DomainException.Conflict("order " + orderId + " is being changed concurrently; retry");
            }
            throw e;
        }
    }
}
