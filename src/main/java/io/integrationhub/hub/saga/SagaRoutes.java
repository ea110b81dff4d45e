package io.integrationhub.hub.saga;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.integrationhub.hub.circuitbreaker.api.Breakers;
import io.integrationhub.hub.common.Headers;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.saga.api.Order;
import io.integrationhub.hub.saga.api.OrderAccepted;
import io.integrationhub.hub.saga.api.OrderRequest;
import io.integrationhub.hub.saga.api.OrderStatus;
import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.ExchangePattern;
import org.apache.camel.LoggingLevel;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.model.SagaPropagation;

/**
 * Saga of an order, orchestrated with Camel's Saga EIP: reserve payment → reserve stock → confirm;
 * each step declares its compensation beside it.
 * <pre>
 *  POST /api/orders ─▶ saga-order-submit: saga log PENDING ─▶ seda ─▶ 202
 *  saga-order (saga REQUIRES_NEW, timeout hub.saga.timeout-ms)
 *     ├─ saga-payment-reserve  POST {hub.payment.url}/reservations       compensation: saga-payment-cancel (DELETE)
 *     └─ saga-stock-reserve    POST {hub.inventory.url}/reservations     compensation: saga-stock-release (DELETE)
 *     completion: saga-order-confirm ─▶ CONFIRMED + OrderConfirmed (outbox → order-events) ─▶ NATS orders.created
 *     compensation: saga-order-cancel ─▶ CANCELLED + OrderCancelled{orderId, reason} (outbox → order-events)
 *  timer ─▶ saga-recovery: PENDING orders nobody drives (a stopped hub's) ─▶ finish or compensate
 * </pre>
 * A step that answers an error, or nothing within {@code hub.saga.step-timeout-ms}, fails the saga;
 * each step's call goes through the circuit breaker of its service ({@code hub.breaker.<service>.*}).
 * Compensations are idempotent on the services' side: cancelling what was never reserved is a
 * no-op that also refuses a late reservation of that order.
 */
public class SagaRoutes extends RouteBuilder {

    /** The steps in order, as the saga log names them. */
    public static final List<String> STEPS = List.of("PAYMENT", "STOCK");
    static final String ORDER_ID = "orderId";
    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.saga.max-body-bytes}}"));
        long timeoutMs = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.saga.timeout-ms}}"));
        long graceMs = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.saga.recovery-grace-ms}}"));

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/orders").tag("saga")
                .description("Saga with compensation (orchestrated): payment, then stock; a failure compensates the steps done")
                .post().id("saga-order-submit")
                    .description("Place an order; 202 once it is in the saga log (the saga runs on, GET the order to follow it)")
                    .consumes("application/json").produces("application/json")
                    .type(OrderRequest.class)
                    .param().name("Idempotency-Key").type(RestParamType.header).required(false)
                        .description("a retry with the same key and body gets the first answer again").endParam()
                    .responseMessage().code(400).message("invalid order (problem+json)").endResponseMessage()
                    .responseMessage().code(415).message("not application/json").endResponseMessage()
                    .responseMessage().code(202).message("accepted: PENDING").responseModel(OrderAccepted.class).endResponseMessage()
                    .to("direct:saga-order-submit")
                .get("/{orderId}").id("saga-order-status")
                    .description("The order's state: PENDING, CONFIRMED or CANCELLED (with the reason), and its steps")
                    .produces("application/json").outType(OrderStatus.class)
                    .responseMessage().code(404).message("no such order").endResponseMessage()
                    .responseMessage().code(200).message("the order").responseModel(OrderStatus.class).endResponseMessage()
                    .to("direct:saga-order-status");
        }

        from("direct:saga-order-submit")
            .routeId("saga-order-submit")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .bean(IdempotentRequests.BEAN, "claim")
            .to("json-validator:schema/order-request.json")
            .process(e -> {
                // with an Idempotency-Key, the 202 is stored in the order's own transaction: a hub that dies
                // right after the commit still answers the retry (the saga recovery ends that order)
                Order order = sagaLog(e).start(JSON.readValue(e.getIn().getBody(byte[].class), OrderRequest.class),
                        (c, placed) -> IdempotentRequests.rememberWith(c, e, 202, null,
                                JsonResponses.json(new OrderAccepted(placed.orderId(), SagaLog.PENDING))));
                IdempotentRequests.rememberedWithWrite(e);
                e.getIn().removeHeaders("*");
                e.getIn().setHeader(ORDER_ID, order.orderId());
                e.getIn().setBody(JSON.writeValueAsString(order));
                TraceIds.tag("hub.order.id", order.orderId());
            }).id("saga-order-submit-write")
            // the saga runs on its own; the order is in the saga log already, so a crash from here on
            // is ended by the recovery
            .to(ExchangePattern.InOnly, "seda:saga-orders?blockWhenFull=true&offerTimeout=5000")
            .process(e -> JsonResponses.answer(e, 202, new OrderAccepted(e.getIn().getHeader(ORDER_ID, String.class),
                    SagaLog.PENDING)));

        from("direct:saga-order-status")
            .routeId("saga-order-status")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                String orderId = e.getIn().getHeader(ORDER_ID, String.class);
                JsonResponses.answer(e, 200, sagaLog(e).find(orderId)
                        .orElseThrow(() -> HttpProblemException.notFound("no order " + orderId)));
            });

        // a cancelled order is an outcome (logged by saga-order-cancel), not an error of the queue.
        // pollTimeout: on stop Camel waits for every consumer thread to see the stop between two polls of
        // the queue; seda's default of 1000 ms made each stop of the hub wait ~1 s here for nothing
        from("seda:saga-orders?concurrentConsumers={{hub.saga.concurrency}}&pollTimeout=100"
                + "&exceptionHandler=#sagaOutcomeHandler")
            .routeId("saga-order")
            .routeConfigurationId(SagaFailureConfiguration.ID)
            // the order as the services get it; each step's answer replaces the body
            .setProperty("order", body())
            .saga()
                .propagation(SagaPropagation.REQUIRES_NEW)
                .timeout(Duration.ofMillis(timeoutMs))
                .option(ORDER_ID, header(ORDER_ID))
                // the order's trace goes on in its completion and compensations, which Camel runs as new exchanges
                .option(TraceIds.TRACEPARENT, header(TraceIds.TRACEPARENT))
                .completion("direct:saga-order-confirm")
                .compensation("direct:saga-order-cancel")
                .to("direct:saga-payment-reserve")
                .to("direct:saga-stock-reserve")
            .end();

        from("direct:saga-payment-reserve")
            .routeId("saga-payment-reserve")
            .routeConfigurationId(SagaFailureConfiguration.ID)
            .saga()
                .propagation(SagaPropagation.MANDATORY)
                .option(ORDER_ID, header(ORDER_ID))
                .option(TraceIds.TRACEPARENT, header(TraceIds.TRACEPARENT))
                .compensation("direct:saga-payment-cancel")
                .setProperty("sagaStep", constant("PAYMENT"))
                .bean("sagaLog", "step(${header.orderId}, 'PAYMENT', 'STARTED')")
                .setBody(exchangeProperty("order"))
                .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.POST))
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                .setHeader(Exchange.HTTP_URI, simple("{{hub.payment.url}}/reservations"))
                // the breaker payment: refused fast while open ("payment service unavailable"), 4xx answers not counted
                .circuitBreaker().configuration(Breakers.eipConfiguration("payment"))
                    .to("saga-http:payment")
                .end()
                .bean("sagaLog", "step(${header.orderId}, 'PAYMENT', 'RESERVED')")
            .end();

        from("direct:saga-stock-reserve")
            .routeId("saga-stock-reserve")
            .routeConfigurationId(SagaFailureConfiguration.ID)
            .saga()
                .propagation(SagaPropagation.MANDATORY)
                .option(ORDER_ID, header(ORDER_ID))
                .option(TraceIds.TRACEPARENT, header(TraceIds.TRACEPARENT))
                .compensation("direct:saga-stock-release")
                .setProperty("sagaStep", constant("STOCK"))
                .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'STARTED')")
                .setBody(exchangeProperty("order"))
                .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.POST))
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                .setHeader(Exchange.HTTP_URI, simple("{{hub.inventory.url}}/reservations"))
                // the breaker inventory: refused fast while open ("inventory service unavailable"), 4xx answers not counted
                .circuitBreaker().configuration(Breakers.eipConfiguration("inventory"))
                    .to("saga-http:inventory")
                .end()
                .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'RESERVED')")
            .end();

        from("direct:saga-payment-cancel")
            .routeId("saga-payment-cancel")
            .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.DELETE))
            .setHeader(Exchange.HTTP_URI, simple("{{hub.payment.url}}/reservations/${header.orderId}"))
            .setBody(constant(null))
            .to("saga-http:payment")
            .bean("sagaLog", "step(${header.orderId}, 'PAYMENT', 'COMPENSATED')");

        from("direct:saga-stock-release")
            .routeId("saga-stock-release")
            .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.DELETE))
            .setHeader(Exchange.HTTP_URI, simple("{{hub.inventory.url}}/reservations/${header.orderId}"))
            .setBody(constant(null))
            .to("saga-http:inventory")
            .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'COMPENSATED')");

        from("direct:saga-order-confirm")
            .routeId("saga-order-confirm")
            .setBody(method("sagaLog", "confirm(${header.orderId})"))
            // null: the order had ended otherwise (cancelled first); a repeated confirmation publishes again
            .filter(body().isNotNull())
                .process(e -> e.getIn().setBody(JSON.writeValueAsString(e.getIn().getBody(Order.class))))
                // keeps a Kafka consumer's offset commit when the choreography confirms
                .process(Headers.keepOnly(ORDER_ID, KafkaConstants.MANUAL_COMMIT))
                .to(ExchangePattern.InOnly, "nats:{{hub.pubsub.subject}}?servers={{hub.nats.servers}}&lazyStartProducer=true")
                .log("Order ${header.orderId} CONFIRMED")
            .end();

        from("direct:saga-order-cancel")
            .routeId("saga-order-cancel")
            .bean("sagaLog", "cancel(${header.orderId}, 'the saga did not finish within " + timeoutMs + " ms')")
            .log(LoggingLevel.INFO, "Order ${header.orderId} CANCELLED");

        // sagas whose hub stopped mid-way: nobody drives them any more once they are idle for
        // longer than the saga timeout (a running hub ends each saga within it)
        from("timer:saga-recovery?delay={{hub.saga.recovery-interval-ms}}&period={{hub.saga.recovery-interval-ms}}")
            .routeId("saga-recovery")
            .setBody(method("sagaLog", "stalled(" + (timeoutMs + graceMs) + ")"))
            .split(body())
                .setHeader(ORDER_ID, body())
                .choice()
                    .when(method("sagaLog", "allReserved(${header.orderId})"))
                        .log(LoggingLevel.WARN, "Recovering order ${header.orderId}: every step had succeeded, confirming it")
                        .to("direct:saga-order-confirm")
                    .otherwise()
                        .log(LoggingLevel.WARN, "Recovering order ${header.orderId}: left mid-saga, compensating it")
                        .bean("sagaLog", "recordFailure(${header.orderId}, "
                                + "'the hub stopped before the saga ended; compensated after the restart')")
                        .to("direct:saga-payment-cancel")
                        .to("direct:saga-stock-release")
                        .to("direct:saga-order-cancel")
                .end()
            .end();
    }

    private static SagaLog sagaLog(Exchange exchange) {
        return exchange.getContext().getRegistry().lookupByNameAndType("sagaLog", SagaLog.class);
    }

    /** Why the saga failed, in words a client can act on, kept in the saga log before the compensation runs. */
    static void recordFailure(Exchange exchange) throws Exception {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String step = exchange.getProperty("sagaStep", "saga", String.class);
        String service = "PAYMENT".equals(step) ? "payment service" : "STOCK".equals(step) ? "inventory service" : step;
        String orderId = exchange.getIn().getHeader(ORDER_ID, String.class);
        if (orderId != null && !"saga".equals(step)) {
            sagaLog(exchange).step(orderId, step, "FAILED");
        }
        String reason = service + " unavailable: " + cause;
        // the circuit breaker wraps what the call threw: judge the first cause that says something
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                reason = http.getStatusCode() < 500 ? service + " refused: " + detail(http)
                        : service + " failed: " + detail(http);
                break;
            } else if (t instanceof CallNotPermittedException) {
                reason = service + " unavailable";
                break;
            } else if (t instanceof InterruptedIOException || t instanceof TimeoutException) {
                reason = service + " did not answer in time";
                break;
            }
        }
        if (orderId != null) {
            sagaLog(exchange).recordFailure(orderId, reason);
        }
    }

    private static String detail(HttpOperationFailedException e) {
        try {
            JsonNode body = JSON.readTree(e.getResponseBody());
            if (body.hasNonNull("detail")) {
                return body.get("detail").asText();
            }
        } catch (Exception ignored) {
            // not a problem document: the status says enough
        }
        return "HTTP " + e.getStatusCode();
    }
}
