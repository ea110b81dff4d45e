package io.integrationhub.hub.pubsub;

import java.util.Properties;

import javax.sql.DataSource;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.testkit.MemoryDatabase;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of a subscriber's logic with camel-test: the NATS consumer of {@code pubsub-audit}
 * becomes {@code direct:audit}, the dead-letter subject a mock. Against NATS: {@code it.PubSubTest}.
 */
class SubscriberRouteTest extends CamelTestSupport {

    private DeliveryLog log;

    @Override
    public void configureTest(TestExecutionConfiguration configuration) {
        super.configureTest(configuration);
        configuration.withUseAdviceWith(true);
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        Properties props = new Properties();
        props.put("hub.nats.servers", "nats://nats.test:4222");
        props.put("hub.pubsub.subject", "orders.created");
        props.put("hub.pubsub.dead-letter-subject", "orders.created.dlq");
        props.put("hub.pubsub.max-attempts", "3");
        props.put("hub.pubsub.max-body-bytes", "1000");
        props.put("hub.pubsub.jetstream.stream", "ORDERS");
        props.put("hub.pubsub.jetstream.durable-prefix", "hub-");
        for (String name : PubSubRoutes.SUBSCRIBERS) {
            props.put("hub.pubsub." + name + ".jetstream", "false");
        }
        configuration.withUseOverridePropertiesWithPropertiesComponent(props);
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new HttpProblemRouteConfiguration(), new PubSubFailureConfiguration(), new PubSubRoutes()};
    }

    @BeforeEach
    void advise() throws Exception {
        DataSource ds = MemoryDatabase.migrated();
        log = new DeliveryLog(ds, "unit");
        context.getRegistry().bind("deliveryLog", log);
        context.getRegistry().bind("pubSubDeadLetters", new PubSubDeadLetters());
        for (String name : PubSubRoutes.SUBSCRIBERS) {
            AdviceWith.adviceWith(context, "pubsub-" + name, r -> r.replaceFromWith("direct:" + name));
        }
        AdviceWith.adviceWith(context, "pubsub-dead-letter", r -> r.weaveByToUri("nats:*").replace().to("mock:dlq"));
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
    void shouldReportAMessageWithoutOrderIdWithTheSubscriberAndTheReason() throws Exception {
        MockEndpoint dlq = getMockEndpoint("mock:dlq");
        dlq.expectedBodiesReceived("{\"id\":1}");
        dlq.expectedHeaderReceived("x-subscriber", "analytics");
        dlq.expectedHeaderReceived("x-failure-reason", "message has no orderId");

        template.sendBody("direct:analytics", "{\"id\":1}".getBytes());

        dlq.assertIsSatisfied();
    }
}
