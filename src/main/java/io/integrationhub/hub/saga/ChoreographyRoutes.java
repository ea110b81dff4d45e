package io.integrationhub.hub.saga;

import io.integrationhub.hub.common.Headers;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventRecords;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import io.integrationhub.hub.common.EventEnvelope;
import io.integrationhub.hub.common.EventSchemas;
import io.integrationhub.hub.saga.api.Order;
import io.integrationhub.hub.saga.api.OrderAccepted;
import io.integrationhub.hub.saga.api.OrderRequest;
import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.ExchangePattern;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.EndpointConsumerBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualAsyncCommitFactory;
import org.apache.camel.component.kafka.KafkaConstants;

import static org.apache.camel.builder.endpoint.StaticEndpointBuilders.kafka;

/**
 * The same order saga, choreographed: no coordinator, each service reacts to the events of the
 * others on {@code order-events} and emits its own, including its compensating event.
 * <pre>
 *  POST /api/choreography/orders ─▶ saga log PENDING + OrderPlaced (one transaction, outbox)
 *  inventory  OrderPlaced     ─▶ reserve stock    ─▶ StockReserved | StockRejected{reason}
 *  payment    StockReserved   ─▶ reserve payment  ─▶ PaymentReserved | PaymentRejected{reason}
 *  inventory  PaymentRejected ─▶ release stock    ─▶ StockReleased            (its compensation)
 *  order      PaymentReserved ─▶ CONFIRMED (OrderConfirmed, orders.created)
 *             StockRejected, StockReleased ─▶ CANCELLED (OrderCancelled{orderId, reason})
 * </pre>
 * Each reaction is a consumer group of its own that commits the offset after it emitted its event
 * (at-least-once); the services are idempotent per order, so a redelivered event does no harm.
 * A service failing (not refusing) is retried and then dead-lettered to {@code order-events.dlt}.
 */
public class ChoreographyRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.saga.max-body-bytes}}"));

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/choreography/orders").tag("saga")
                .post().id("saga-choreography-submit")
                    .description("Place an order run by choreography: services react to each other's events on order-events")
                    .consumes("application/json").produces("application/json")
                    .type(OrderRequest.class)
                    .responseMessage().code(400).message("invalid order (problem+json)").endResponseMessage()
                    .responseMessage().code(415).message("not application/json").endResponseMessage()
                    .responseMessage().code(202).message("accepted: PENDING").responseModel(OrderAccepted.class).endResponseMessage()
                    .to("direct:saga-choreography-submit");
        }

        from("direct:saga-choreography-submit")
            .routeId("saga-choreography-submit")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .to("json-validator:schema/order-request.json")
            .process(e -> {
                SagaLog log = e.getContext().getRegistry().lookupByNameAndType("sagaLog", SagaLog.class);
                Order order = log.place(JSON.readValue(e.getIn().getBody(byte[].class), OrderRequest.class));
                JsonResponses.answer(e, 202, new OrderAccepted(order.orderId(), SagaLog.PENDING));
            });

        from(reactor("inventory"))
            .routeId("saga-choreography-inventory")
            .routeConfigurationId(EventLogDeadLetterConfiguration.ID)
            .process(ChoreographyRoutes::readEvent)
            // the record's own headers are not for the services
            .process(Headers.removeStartingWith("kafka."))
            .choice()
                .when(exchangeProperty("event").isEqualTo("OrderPlaced"))
                    .setBody(exchangeProperty("data"))
                    .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.POST))
                    .setHeader(Exchange.HTTP_URI, simple("{{hub.inventory.url}}/reservations"))
                    .to("saga-http:inventory?throwExceptionOnFailure=false")
                    .process(e -> answered(e, "StockReserved", "StockRejected", "inventory service refused"))
                    .to(ExchangePattern.InOnly, emit())
                .when(exchangeProperty("event").isEqualTo("PaymentRejected"))
                    .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.DELETE))
                    .setHeader(Exchange.HTTP_URI, simple("{{hub.inventory.url}}/reservations/${exchangeProperty.orderId}"))
                    .setBody(constant(null))
                    .to("saga-http:inventory")
                    .process(e -> event(e, "StockReleased", JSON.valueToTree(Map.of("orderId", orderId(e)))))
                    .to(ExchangePattern.InOnly, emit())
            .end()
            .process(EventRecords::commit);

        from(reactor("payment"))
            .routeId("saga-choreography-payment")
            .routeConfigurationId(EventLogDeadLetterConfiguration.ID)
            .process(ChoreographyRoutes::readEvent)
            .process(Headers.removeStartingWith("kafka."))
            .filter(exchangeProperty("event").isEqualTo("StockReserved"))
                .setBody(exchangeProperty("data"))
                .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.POST))
                .setHeader(Exchange.HTTP_URI, simple("{{hub.payment.url}}/reservations"))
                .to("saga-http:payment?throwExceptionOnFailure=false")
                .process(e -> answered(e, "PaymentReserved", "PaymentRejected", "payment service refused"))
                .to(ExchangePattern.InOnly, emit())
            .end()
            .process(EventRecords::commit);

        from(reactor("order"))
            .routeId("saga-choreography-order")
            .routeConfigurationId(EventLogDeadLetterConfiguration.ID)
            .process(ChoreographyRoutes::readEvent)
            .setHeader(SagaRoutes.ORDER_ID, exchangeProperty("orderId"))
            .choice()
                .when(exchangeProperty("event").isEqualTo("StockReserved"))
                    .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'RESERVED')")
                .when(exchangeProperty("event").isEqualTo("PaymentReserved"))
                    .bean("sagaLog", "step(${header.orderId}, 'PAYMENT', 'RESERVED')")
                    .to("direct:saga-order-confirm")
                .when(exchangeProperty("event").isEqualTo("PaymentRejected"))
                    .bean("sagaLog", "step(${header.orderId}, 'PAYMENT', 'FAILED')")
                    .bean("sagaLog", "recordFailure(${header.orderId}, ${exchangeProperty.reason})")
                .when(exchangeProperty("event").isEqualTo("StockRejected"))
                    .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'FAILED')")
                    .bean("sagaLog", "recordFailure(${header.orderId}, ${exchangeProperty.reason})")
                    .to("direct:saga-order-cancel")
                .when(exchangeProperty("event").isEqualTo("StockReleased"))
                    .bean("sagaLog", "step(${header.orderId}, 'STOCK', 'COMPENSATED')")
                    .to("direct:saga-order-cancel")
            .end()
            .process(EventRecords::commit);
    }

    /** A consumer of {@code order-events} in a group of its own per reacting service. */
    private static EndpointConsumerBuilder reactor(String service) {
        // brokers, offsets committed by hand, poll sizes: camel.component.kafka.* (config/application.properties)
        return kafka("{{hub.saga.topic}}").groupId("{{hub.saga.choreography.group}}-" + service)
                // asynchronous commits: a reaction applied twice changes nothing (see the class comment)
                .advanced().kafkaManualCommitFactory(new DefaultKafkaManualAsyncCommitFactory());
    }

    private static String emit() {
        // acks=all, idempotence, the timeouts: camel.component.kafka.*
        return "kafka:{{hub.saga.topic}}";
    }

    /** Reads the envelope into properties {@code event}, {@code orderId}, {@code data} (as JSON), {@code reason}. */
    private static void readEvent(Exchange exchange) throws Exception {
        EventEnvelope envelope = EventRecords.envelope(exchange.getIn().getBody(String.class));
        JsonNode data = envelope.data() == null ? JSON.createObjectNode() : envelope.data();
        exchange.setProperty("event", envelope.event());
        exchange.setProperty("orderId", data.path("orderId").asText(exchange.getIn().getHeader(KafkaConstants.KEY, String.class)));
        exchange.setProperty("data", JSON.writeValueAsString(data));
        exchange.setProperty("reason", data.path("reason").asText(""));
    }

    /** The service's answer as the next event: 2xx → {@code done}, 4xx → {@code refused} with its detail; else a failure to retry. */
    private static void answered(Exchange exchange, String done, String refused, String refusedBy) throws Exception {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 500, Integer.class);
        String orderId = orderId(exchange);
        if (status >= 200 && status < 300) {
            // the whole order travels on, so the next service needs nothing but the event
            event(exchange, done, JSON.readTree(exchange.getProperty("data", String.class)));
        } else if (status >= 400 && status < 500) {
            String detail;
            try {
                detail = JSON.readTree(exchange.getMessage().getBody(String.class)).path("detail").asText("HTTP " + status);
            } catch (Exception e) {
                detail = "HTTP " + status;
            }
            event(exchange, refused, JSON.valueToTree(Map.of("orderId", orderId, "reason", refusedBy + ": " + detail)));
        } else {
            throw new IllegalStateException(refusedBy.replace(" refused", "") + " failed with HTTP " + status);
        }
    }

    private static void event(Exchange exchange, String type, JsonNode data) throws Exception {
        EventEnvelope envelope = EventSchemas.shared().stamp(
                new EventEnvelope(UUID.randomUUID().toString(), type, Instant.now().toString(), data));
        Headers.keepOnly(exchange.getMessage(), List.of(KafkaConstants.MANUAL_COMMIT));
        exchange.getMessage().setHeader(KafkaConstants.KEY, orderId(exchange));
        exchange.getMessage().setBody(JSON.writeValueAsString(envelope));
    }

    private static String orderId(Exchange exchange) {
        return exchange.getProperty("orderId", String.class);
    }
}
