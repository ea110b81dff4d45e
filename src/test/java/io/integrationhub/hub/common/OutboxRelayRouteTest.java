package io.integrationhub.hub.common;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.integrationhub.hub.cqrs.api.UserRequest;
import io.integrationhub.hub.cqrs.command.UserCommands;
import io.integrationhub.hub.common.Leases;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of the outbox relay's logic with camel-test: the timer becomes {@code direct:relay},
 * Kafka a mock that can refuse, the database an in-memory H2. Against Kafka: {@code it.CqrsKafkaDownTest}.
 */
class OutboxRelayRouteTest extends RouteUnitTestSupport {

    private UserCommands commands;
    private Outbox outbox;

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("hub.outbox.relay-enabled", "true");
        s.put("hub.outbox.poll-ms", "100");
        s.put("hub.outbox.batch-size", "10");
        s.put("hub.outbox.max-block-ms", "100");
        s.put("hub.outbox.request-timeout-ms", "100");
        s.put("hub.outbox.delivery-timeout-ms", "200");
        s.put("hub.outbox.retention-hours", "1");
        s.put("hub.kafka.brokers", "kafka.test:9092");
        return s;
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new OutboxRelayRoutes()};
    }

    private DataSource dataSource;

    @BeforeEach
    void advise() throws Exception {
        DataSource dataSource = MemoryDatabase.migrated();
        commands = new UserCommands(dataSource, "user-events");
        outbox = new Outbox(dataSource, Duration.ofHours(1));
        context.getRegistry().bind("outbox", outbox);
        this.dataSource = dataSource;
        context.getRegistry().bind("leases", new Leases(dataSource, "this-instance", Duration.ofSeconds(10)));
        AdviceWith.adviceWith(context, "outbox-relay", r -> {
            r.replaceFromWith("direct:relay");
            r.weaveByToUri("kafka:*").replace().to("mock:kafka");
        });
        AdviceWith.adviceWith(context, "outbox-purge", r -> r.replaceFromWith("direct:purge"));
        context.start();
    }

    @Test
    void shouldPublishNothingWhileAnotherLiveInstanceHoldsTheRelayLease() throws Exception {
        Leases other = new Leases(dataSource, "other-instance", Duration.ofSeconds(10));
        assertThat(other.holds("outbox-relay")).isTrue();
        commands.create(new UserRequest("u-9", "Nine", "nine@example.com"));

        template.sendBody("direct:relay", null);

        assertThat(getMockEndpoint("mock:kafka").getReceivedCounter()).isZero();
        assertThat(outbox.pendingCount()).isEqualTo(1);

        other.releaseAll(); // a clean stop hands the lease over at once
        getMockEndpoint("mock:kafka").expectedMessageCount(1);
        template.sendBody("direct:relay", null);
        getMockEndpoint("mock:kafka").assertIsSatisfied();
        assertThat(outbox.pendingCount()).isZero();
    }

    @Test
    void shouldPublishInOrderAndStopAtTheFirstEventKafkaRefuses() throws Exception {
        commands.create(new UserRequest("u-1", "One", "one@example.com"));
        commands.update("u-1", new UserRequest(null, "One bis", "one@example.com"));
        commands.create(new UserRequest("u-2", "Two", "two@example.com"));
        MockEndpoint kafka = getMockEndpoint("mock:kafka");
        kafka.whenExchangeReceived(2, e -> {
            throw new TimeoutException("Expiring 1 record(s): broker unreachable");
        });

        template.sendBody("direct:relay", null);

        assertThat(kafka.getReceivedCounter()).as("third not tried after the second failed").isEqualTo(2);
        assertThat(outbox.pendingCount()).isEqualTo(2);

        template.sendBody("direct:relay", null);

        assertThat(outbox.pendingCount()).isZero();
        List<String> keys = kafka.getExchanges().stream()
                .map(e -> e.getIn().getHeader(KafkaConstants.KEY, String.class)).toList();
        assertThat(keys).containsExactly("u-1", "u-1", "u-1", "u-2");
        assertThat(kafka.getExchanges()).extracting(e -> e.getIn().getHeader(KafkaConstants.OVERRIDE_TOPIC))
                .containsOnly("user-events");
        List<String> bodies = kafka.getExchanges().stream().map(e -> e.getIn().getBody(String.class)).toList();
        assertThat(bodies.get(0)).contains("\"event\":\"UserCreated\"");
        assertThat(bodies.get(1)).isEqualTo(bodies.get(2)).contains("\"event\":\"UserUpdated\"");
    }

    @Test
    void shouldPublishNothingForACommandThatFailed() throws Exception {
        commands.create(new UserRequest("u-3", "Three", "three@example.com"));
        Exception refused = null;
        try {
            commands.create(new UserRequest("u-4", "Four", "THREE@example.com"));
        } catch (Exception e) {
            refused = e;
        }
        assertThat(refused).hasMessageContaining("email");

        template.sendBody("direct:relay", null);

        assertThat(getMockEndpoint("mock:kafka").getExchanges())
                .extracting(e -> e.getIn().getHeader(KafkaConstants.KEY, String.class)).containsExactly("u-3");
    }
}
