package io.integrationhub.hub.pubsub;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.GroupCommit;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.common.Transactions;
import org.apache.camel.Exchange;
import org.apache.camel.component.nats.NatsConstants;

/**
 * What each subscriber received (table {@code pubsub_delivery}), the subscribers' "work" in this
 * demonstration. Applied once per order and subscriber: a message delivered again (JetStream
 * redelivers what was not acknowledged before a crash) changes nothing.
 */
public class DeliveryLog {

    private static final ObjectMapper JSON = Json.MAPPER;
    /** At most this many delivery records share one commit (hub.nats.max-in-flight per subscriber bounds it first). */
    private static final int MAX_GROUP = 500;
    private final DataSource dataSource;
    private final GroupCommit group;
    private final Executor continuing;
    private final String instanceId;
    private final java.util.function.Predicate<String> sharedSubscribers;
    private final java.util.Map<String, Boolean> sharedByName = new java.util.concurrent.ConcurrentHashMap<>();

    public DeliveryLog(DataSource dataSource, String instanceId) {
        this(dataSource, instanceId, Set.of()::contains, ForkJoinPool.commonPool());
    }

    /**
     * @param sharedSubscribers subscribers whose work the instances share (a JetStream durable or a
     *        queue group): their effect is once per order across instances; the others run on every
     *        instance, once per order on each
     */
    public DeliveryLog(DataSource dataSource, String instanceId, Set<String> sharedSubscribers) {
        this(dataSource, instanceId, Set.copyOf(sharedSubscribers)::contains, ForkJoinPool.commonPool());
    }

    /**
     * @param shared whether a subscriber's work is shared, asked once per subscriber
     * @param continuing where a subscriber's route continues once its record is committed
     */
    public DeliveryLog(DataSource dataSource, String instanceId, java.util.function.Predicate<String> shared,
            Executor continuing) {
        this.dataSource = dataSource;
        this.group = new GroupCommit(dataSource, "pubsub-delivery", MAX_GROUP);
        this.instanceId = instanceId;
        this.sharedSubscribers = shared;
        this.continuing = continuing;
    }

    /**
     * Records that {@code subscriber} received the order in the body; a body without orderId is
     * refused at once. The record shares a commit with the others waiting ({@link GroupCommit}); the
     * future completes once it is committed, with false when the subscriber had received that order
     * before (nothing recorded). The route continues, and a JetStream message is acknowledged, only then.
     */
    public CompletableFuture<Boolean> record(String subscriber, Exchange exchange) throws Exception {
        String orderId = orderId(exchange.getIn().getBody(byte[].class));
        String subject = exchange.getIn().getHeader(NatsConstants.NATS_SUBJECT, String.class);
        String effectKey = subscriber + ":" + orderId + (sharedByName.computeIfAbsent(subscriber, sharedSubscribers::test) ? "" : ":" + instanceId);
        Timestamp receivedAt = Timestamp.from(Instant.now());
        // the route goes on on the continuing pool, never on the one writer thread of the group commits
        return group.submit(c -> insert(c, orderId, subscriber, subject, receivedAt, effectKey)).thenApplyAsync(recorded -> {
            if (!recorded) {
                MessagingMetrics.duplicateIgnored(exchange);
            }
            return recorded;
        }, continuing);
    }

    /** The delivery records' writer; closed when the hub stops, after the subscriber routes. */
    public GroupCommit group() {
        return group;
    }

    private boolean insert(Connection c, String orderId, String subscriber, String subject, Timestamp receivedAt,
            String effectKey) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pubsub_delivery "
                + "(order_id, subscriber, subject, instance_id, received_at, effect_key) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, orderId);
            ps.setString(2, subscriber);
            ps.setString(3, subject == null ? "" : subject);
            ps.setString(4, instanceId);
            ps.setTimestamp(5, receivedAt);
            ps.setString(6, effectKey);
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            // a duplicate inside a group's transaction fails the group (PostgreSQL aborts the transaction),
            // which then writes each record on its own in auto-commit, where it is recognised here
            if (c.getAutoCommit() && Transactions.isIntegrityViolation(e)) {
                return false; // delivered before: a redelivery or a published duplicate
            }
            throw e;
        }
    }

    /** The distinct subscribers that received {@code orderId}, sorted. */
    public List<String> subscribersOf(String orderId) throws Exception {
        List<String> subscribers = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT DISTINCT subscriber FROM pubsub_delivery WHERE order_id = ? ORDER BY subscriber")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    subscribers.add(rs.getString(1));
                }
            }
        }
        return subscribers;
    }

    static String orderId(byte[] body) throws InvalidOrderMessageException {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (Exception e) {
            throw new InvalidOrderMessageException("message is not JSON: " + e.getMessage());
        }
        if (node == null || !node.path("orderId").isTextual() || node.path("orderId").asText().isBlank()) {
            throw new InvalidOrderMessageException("message has no orderId");
        }
        return node.path("orderId").asText();
    }

    /** A message no retry can make readable. */
    public static class InvalidOrderMessageException extends Exception {
        public InvalidOrderMessageException(String message) {
            super(message);
        }
    }
}
