package io.integrationhub.hub.saga.api;

import java.math.BigDecimal;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Answer of {@code GET /api/orders/{orderId}}: status, the reason when cancelled, each step's state,
 * and the trace of the order's placing (search it in {@code /console}), when it was traced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OrderStatus(String orderId, String userId, BigDecimal amount, List<OrderItem> items, String status,
                          String reason, List<Step> steps, String traceId) {

    /** A step of the saga: PAYMENT or STOCK, and STARTED, RESERVED, FAILED or COMPENSATED. */
    public record Step(String step, String status, String at) {
    }
}
