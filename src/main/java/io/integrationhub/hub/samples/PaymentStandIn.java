package io.integrationhub.hub.samples;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.Transactions;

/**
 * Logic of the stand-in payment service of {@code routes/samples/payment.camel.yaml}: one
 * reservation per order, refused above the user's limit ({@code hub.samples.payment.limit}, the
 * same for every user). Reserving and cancelling are idempotent, and a cancel that arrives before
 * the reservation leaves a CANCELLED mark that refuses the late reservation. Reading a reservation
 * is a query in the YAML route itself (camel-sql); what needs a transaction is here.
 */
public class PaymentStandIn {

    private static final ObjectMapper JSON = Json.MAPPER;
    private final DataSource dataSource;
    private final BigDecimal limit;

    public PaymentStandIn(DataSource dataSource, BigDecimal limit) {
        this.dataSource = dataSource;
        this.limit = limit;
    }

    /** {@code POST /reservations} with the order ({@code orderId, userId, amount}); {@code Declined} above the limit, {@code Conflict} if cancelled. */
    public Map<String, Object> reserve(byte[] body) throws Exception {
        JsonNode order = JSON.readTree(body);
        String orderId = order.path("orderId").asText();
        String userId = order.path("userId").asText();
        BigDecimal amount = order.path("amount").decimalValue();
        if (orderId.isEmpty() || userId.isEmpty() || !order.path("amount").isNumber()) {
            throw new DomainException.Invalid("a reservation needs orderId, userId and amount");
        }
        Transactions.inTransaction(dataSource, c -> {
            String status = status(c, orderId);
            if ("CANCELLED".equals(status)) {
                throw new DomainException.Conflict("the payment of order " + orderId + " was cancelled");
            }
            if (status == null) {
                if (amount.compareTo(limit) > 0) {
                    throw new DomainException.Declined("amount " + amount.toPlainString()
                            + " exceeds the limit of " + limit.toPlainString() + " of user " + userId);
                }
                write(c, orderId, userId, amount, "RESERVED", false);
            }
        });
        return Map.of("orderId", orderId, "status", "RESERVED");
    }

    /** {@code DELETE /reservations/{orderId}}: cancelled whether there was a reservation or not. */
    public Map<String, Object> cancel(String orderId) throws Exception {
        Transactions.inTransaction(dataSource, c -> {
            String status = status(c, orderId);
            if (status == null) {
                write(c, orderId, "-", BigDecimal.ZERO, "CANCELLED", false);
            } else if ("RESERVED".equals(status)) {
                write(c, orderId, null, null, "CANCELLED", true);
            }
        });
        return Map.of("orderId", orderId, "status", "CANCELLED");
    }

    private static String status(Connection c, String orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status FROM sample_payment_reservation WHERE order_id = ? FOR UPDATE")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static void write(Connection c, String orderId, String userId, BigDecimal amount, String status, boolean exists)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(exists
                ? "UPDATE sample_payment_reservation SET status = ?, updated_at = ? WHERE order_id = ?"
                : "INSERT INTO sample_payment_reservation (status, updated_at, order_id, user_id, amount) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, status);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.setString(3, orderId);
            if (!exists) {
                ps.setString(4, userId);
                ps.setBigDecimal(5, amount);
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
