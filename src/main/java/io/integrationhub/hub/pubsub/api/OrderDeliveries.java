package io.integrationhub.hub.pubsub.api;

import java.util.List;

/** Answer of {@code GET /api/pubsub/orders/{orderId}/deliveries}: the subscribers that received the order. */
public record OrderDeliveries(String orderId, List<String> subscribers) {
}
