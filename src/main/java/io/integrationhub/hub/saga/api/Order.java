package io.integrationhub.hub.saga.api;

import java.math.BigDecimal;
import java.util.List;

/** An order as the saga knows it: the {@code data} of {@code OrderConfirmed} and the message on {@code orders.created}. */
public record Order(String orderId, String userId, List<OrderItem> items, BigDecimal amount) {
}
