package io.integrationhub.hub.saga.api;

/** Answer of {@code POST /api/orders} (202): the saga started. */
public record OrderAccepted(String orderId, String status) {
}
