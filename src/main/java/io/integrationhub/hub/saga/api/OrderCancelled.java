package io.integrationhub.hub.saga.api;

/** The {@code data} of an {@code OrderCancelled} event on {@code order-events}. */
public record OrderCancelled(String orderId, String reason) {
}
