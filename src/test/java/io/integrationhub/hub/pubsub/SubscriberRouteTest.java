package io.integrationhub.hub.pubsub;

import java.util.HashMap;
import java.util.Map;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;

import javax.sql.DataSource;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of a subscriber's logic with camel-test: the YAML routes of {@code routes/pubsub}, the
 * NATS consumer of {@code pubsub-audit} becoming {@code direct:audit}, the dead-letter subject a mock. Against NATS: {@code it.PubSubTest}.
 */
class SubscriberRouteTest extends RouteUnitTestSupport {

    private static final java.util.List<String> SUBSCRIBERS = java.util.List.of("notifications", "audit", "analytics");
    private DeliveryLog log;
    private DataSource ds;

    @Override
    protected Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(Map.of(
                "hub.nats.servers", "nats://nats.test:4222",
                "hub.pubsub.subject", "orders.created",
                "hub.pubsub.dead-letter-subject", "orders.created.dlq",
                "hub.pubsub.max-attempts", "3",
                "hub.pubsub.max-body-bytes", "1000",
                "hub.pubsub.jetstream.stream", "ORDERS",
                "hub.pubsub.jetstream.durable-prefix", "hub-"));
        return settings;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new HttpProblemRouteConfiguration(), new PubSubFailureConfiguration(), new PubSubRoutes()};
    }

    @BeforeEach
    void advise() throws Exception {
        ds = MemoryDatabase.migrated();
        log = new DeliveryLog(ds, "unit");
        context.getRegistry().bind("deliveryLog", log);
        context.getRegistry().bind("pubSubDeadLetters", new PubSubDeadLetters(null, "orders.created.dlq", "",
                Duration.ofDays(7), Duration.ofSeconds(2)));
        // the publishing route is not exercised here (it needs NATS: PubSubTest, PubSubCrashJarIT)
        context.getRegistry().bind("orderPublisher", new OrderPublisher(null, "orders.created", "ORDERS", true,
                Duration.ofDays(7), Duration.ofSeconds(2)));
        // the subscribers: the YAML routes of routes/pubsub, as the hub loads them
        for (String name : SUBSCRIBERS) {
            PluginHelper.getRoutesLoader(context).loadRoutes(
                    PluginHelper.getResourceLoader(context).resolveResource("file:routes/pubsub/" + name + ".camel.yaml"));
            AdviceWith.adviceWith(context, "pubsub-" + name, r -> r.replaceFromWith("direct:" + name));
        }
        AdviceWith.adviceWith(context, "pubsub-dead-letter", r -> r.weaveByToUri("bean:pubSubDeadLetters*").replace().to("mock:dlq"));
        AdviceWith.adviceWith(context, "pubsub-publish-order", r -> r.replaceFromWith("direct:publish"));
        AdviceWith.adviceWith(context, "pubsub-deliveries", r -> r.replaceFromWith("direct:deliveries"));
        context.start();
    }

    @Test
    void shouldRecordTheDeliveryOfAnOrder() throws Exception {
        template.sendBody("direct:audit", "{\"orderId\":\"o-7\"}".getBytes());

        assertThat(log.subscribersOf("o-7")).containsExactly("audit");
    }

    @Test
    void shouldRecordAnOrderOnceWhenItIsDeliveredTwice() throws Exception {
        template.sendBody("direct:audit", "{\"orderId\":\"o-8\"}".getBytes());
        template.sendBody("direct:audit", "{\"orderId\":\"o-8\"}".getBytes());
        template.sendBody("direct:notifications", "{\"orderId\":\"o-8\"}".getBytes());

        assertThat(log.subscribersOf("o-8")).containsExactly("audit", "notifications");
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT COUNT(*) FROM pubsub_delivery WHERE order_id = 'o-8' AND subscriber = 'audit'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the audit effect once").isEqualTo(1);
        }
    }

    @Test
    void shouldReportAMessageWithoutOrderIdWithTheSubscriberAndTheReason() throws Exception {
        MockEndpoint dlq = getMockEndpoint("mock:dlq");
        dlq.expectedBodiesReceived("{\"id\":1}");
        dlq.expectedHeaderReceived("x-subscriber", "analytics");
        dlq.expectedHeaderReceived("x-failure-reason", "message has no orderId");

        template.sendBody("direct:analytics", "{\"id\":1}".getBytes());

        dlq.assertIsSatisfied();
    }
}
