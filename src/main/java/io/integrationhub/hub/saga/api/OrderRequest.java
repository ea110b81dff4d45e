package io.integrationhub.hub.saga.api;

import java.math.BigDecimal;
import java.util.List;

/** Body of {@code POST /api/orders}. */
public record OrderRequest(String userId, List<OrderItem> items, BigDecimal amount) {
}
