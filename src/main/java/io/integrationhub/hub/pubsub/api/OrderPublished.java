package io.integrationhub.hub.pubsub.api;

/** Answer of {@code POST /api/pubsub/orders} (202): the order was published on the subject. */
public record OrderPublished(String orderId, String subject) {
}
