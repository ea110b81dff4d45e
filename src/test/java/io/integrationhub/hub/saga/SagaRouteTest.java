package io.integrationhub.hub.saga;

import java.time.Duration;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.saga.api.OrderItem;
import io.integrationhub.hub.saga.api.OrderRequest;
import io.integrationhub.hub.saga.api.OrderStatus;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.Exchange;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.Resilience4jConfigurationDefinition;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unit test of the orchestration's logic with camel-test and Camel's in-memory saga service: the
 * services become mock endpoints (one refusing), the saga log an in-memory H2. Given a step that
 * refuses, then the steps already done are compensated and the order is cancelled with the reason.
 * Against the real stand-ins, Kafka and NATS: {@code it.SagaTest}.
 */
class SagaRouteTest extends RouteUnitTestSupport {

    private SagaLog sagaLog;

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("hub.saga.max-body-bytes", "10000");
        s.put("hub.saga.timeout-ms", "10000");
        s.put("hub.saga.concurrency", "1");
        s.put("hub.saga.recovery-interval-ms", "600000");
        s.put("hub.saga.recovery-grace-ms", "1000");
        s.put("hub.payment.url", "http://payment.test");
        s.put("hub.inventory.url", "http://inventory.test");
        s.put("hub.pubsub.subject", "orders.created");
        s.put("hub.nats.servers", "nats://nats.test:4222");
        s.put("hub.breaker.default.timeout-ms", "5000");
        return s;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new SagaFailureConfiguration(), new SagaRoutes()};
    }

    @BeforeEach
    void advise() throws Exception {
        DataSource dataSource = MemoryDatabase.migrated();
        sagaLog = new SagaLog(dataSource, "order-events");
        context.getRegistry().bind("sagaLog", sagaLog);
        context.getRegistry().bind(IdempotentRequests.BEAN, new IdempotentRequests(dataSource, Duration.ofHours(1), Duration.ofMinutes(1)));
        context.getRegistry().bind("sagaOutcomeHandler", new SagaOutcomeHandler());
        context.addService(new HubSagaService());
        // what BreakerConfiguration binds in the hub: the breakers and their EIP configurations
        for (String name : List.of("payment", "inventory")) {
            context.getRegistry().bind(name + "Breaker", CircuitBreaker.ofDefaults(name));
            context.getRegistry().bind(name + "-breaker", new Resilience4jConfigurationDefinition()
                    .circuitBreaker(name + "Breaker").throwExceptionWhenHalfOpenOrOpenState(true));
        }
        for (String route : List.of("saga-payment-reserve", "saga-payment-cancel")) {
            AdviceWith.adviceWith(context, route, r -> r.weaveByToUri("saga-http:*").replace().to("mock:payment"));
        }
        for (String route : List.of("saga-stock-reserve", "saga-stock-release")) {
            AdviceWith.adviceWith(context, route, r -> r.weaveByToUri("saga-http:*").replace().to("mock:inventory"));
        }
        AdviceWith.adviceWith(context, "saga-order-confirm", r -> r.weaveByToUri("nats:*").replace().to("mock:nats"));
        AdviceWith.adviceWith(context, "saga-order", r -> r.replaceFromWith("direct:saga"));
        AdviceWith.adviceWith(context, "saga-order-submit", r -> r.replaceFromWith("direct:submit"));
        AdviceWith.adviceWith(context, "saga-order-status", r -> r.replaceFromWith("direct:status"));
        AdviceWith.adviceWith(context, "saga-recovery", r -> r.replaceFromWith("direct:recovery"));
        context.start();
    }

    @Test
    void shouldCompensateThePaymentWhenTheStockIsRefused() throws Exception {
        MockEndpoint payment = getMockEndpoint("mock:payment");
        payment.expectedHeaderValuesReceivedInAnyOrder(Exchange.HTTP_METHOD, HttpMethods.POST, HttpMethods.DELETE);
        MockEndpoint inventory = getMockEndpoint("mock:inventory");
        inventory.whenExchangeReceived(1, e -> {
            throw new HttpOperationFailedException("http://inventory.test/reservations", 409, "Conflict", null, Map.of(),
                    "{\"detail\":\"stock short for SKU-1: 5 wanted, 1 available\"}");
        });
        getMockEndpoint("mock:nats").expectedMessageCount(0);

        String orderId = start(5);

        await().until(() -> "CANCELLED".equals(sagaLog.find(orderId).orElseThrow().status()));
        OrderStatus order = sagaLog.find(orderId).orElseThrow();
        assertThat(order.reason()).isEqualTo("inventory service refused: stock short for SKU-1: 5 wanted, 1 available");
        payment.assertIsSatisfied();
        assertThat(payment.getExchanges().get(1).getIn().getHeader(Exchange.HTTP_URI))
                .isEqualTo("http://payment.test/reservations/" + orderId);
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void shouldConfirmAndPublishWhenEveryStepSucceeds() throws Exception {
        MockEndpoint nats = getMockEndpoint("mock:nats");
        nats.expectedMessageCount(1);

        String orderId = start(1);

        nats.assertIsSatisfied();
        assertThat(nats.getExchanges().get(0).getIn().getBody(String.class)).contains(orderId).contains("\"sku\":\"SKU-1\"");
        assertThat(sagaLog.find(orderId).orElseThrow().status()).isEqualTo("CONFIRMED");
        assertThat(getMockEndpoint("mock:inventory").getExchanges())
                .extracting(e -> e.getIn().getHeader(Exchange.HTTP_METHOD)).containsExactly(HttpMethods.POST);
    }

    private String start(int quantity) throws Exception {
        var order = sagaLog.start(new OrderRequest("u-1", List.of(new OrderItem("SKU-1", quantity)), new java.math.BigDecimal("10")));
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(order);
        // a failed saga ends with its exchange failed, as on the queue: send, do not throw
        template.send("direct:saga", e -> {
            e.getIn().setBody(json);
            e.getIn().setHeader(SagaRoutes.ORDER_ID, order.orderId());
        });
        return order.orderId();
    }
}
