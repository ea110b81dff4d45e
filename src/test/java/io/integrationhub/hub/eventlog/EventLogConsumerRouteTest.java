package io.integrationhub.hub.eventlog;

import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of the event-log consumer logic with camel-test: the Kafka consumer becomes
 * {@code direct:events} (sent a poll's records, as camel-kafka's batching consumer does), the
 * dead-letter topic a mock, the projection an in-memory H2.
 * The same routes against Kafka: {@code it.EventLogTest}.
 */
class EventLogConsumerRouteTest extends RouteUnitTestSupport {

    private DataSource dataSource;

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "hub.eventlog.topics", "user-events",
                "hub.eventlog.group", "unit",
                "hub.eventlog.max-attempts", "3",
                "hub.eventlog.max-poll-records", "10",
                "hub.eventlog.poll-timeout-ms", "100",
                "hub.eventlog.session-timeout-ms", "10000",
                "hub.eventlog.max-block-ms", "100",
                "hub.eventlog.max-body-bytes", "1000",
                "hub.kafka.brokers", "kafka.test:9092");
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new HttpProblemRouteConfiguration(), new EventLogDeadLetterConfiguration(), new EventLogRoutes()};
    }

    @BeforeEach
    void advise() throws Exception {
        dataSource = MemoryDatabase.migrated();
        EventProjection projection = new EventProjection(dataSource);
        context.getRegistry().bind("eventProjection", projection);
        context.getRegistry().bind(IdempotentRequests.BEAN, new IdempotentRequests(dataSource, Duration.ofHours(1), Duration.ofMinutes(1)));
        // replay needs Kafka's admin API: not part of this unit test (it.EventLogTest covers it)
        context.getRegistry().bind("eventReplay", new EventReplay(context, null));
        AdviceWith.adviceWith(context, "eventlog-user-events", r -> r.replaceFromWith("direct:events"));
        AdviceWith.adviceWith(context, "eventlog-dead-letter", r -> r.weaveByToUri("kafka:*").replace().to("mock:dlt"));
        AdviceWith.adviceWith(context, "eventlog-append", r -> {
            r.replaceFromWith("direct:append");
            r.weaveByToUri("kafka:*").replace().to("mock:kafka");
        });
        AdviceWith.adviceWith(context, "eventlog-replay", r -> r.replaceFromWith("direct:replay"));
        context.start();
    }

    @Test
    void shouldApplyAnEventOnceWhateverTheDeliveries() throws Exception {
        String envelope = "{\"eventId\":\"e-1\",\"event\":\"EntityCreated\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"data\":{}}";
        Map<String, Object> headers = Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-1");

        poll(record(envelope, headers));
        poll(record(envelope, headers));

        assertThat(count("SELECT event_count FROM entity_projection WHERE entity_id = 'u-1'")).isEqualTo(1);
        getMockEndpoint("mock:dlt").expectedMessageCount(0);
        MockEndpoint.assertIsSatisfied(context);
    }

    @Test
    void shouldSendARecordThatIsNotAnEventToTheDeadLetterTopicOfItsTopic() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedBodiesReceived("garbage");
        dlt.expectedHeaderReceived(KafkaConstants.OVERRIDE_TOPIC, "user-events.dlt");
        dlt.expectedHeaderReceived(KafkaConstants.KEY, "u-2");

        poll(record("garbage", Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-2")));

        dlt.assertIsSatisfied();
        assertThat(dlt.getExchanges().get(0).getIn().getHeader("x-failure-reason", String.class)).contains("not an event envelope");
    }

    @Test
    void shouldDeadLetterEveryRecordThatIsNotAnEventInOnePollNotOnlyTheFirst() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedBodiesReceived("garbage-1", "garbage-2", "garbage-3");

        poll(record("garbage-1", Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-9")),
                record("garbage-2", Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-9")),
                record("garbage-3", Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-9")));

        dlt.assertIsSatisfied();
        assertThat(dlt.getExchanges().get(2).getIn().getHeader("x-failed-route", String.class)).isEqualTo("eventlog-user-events");
    }

    @Test
    void shouldDeadLetterAnEventWithoutAKey() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedMessageCount(1);

        poll(record("{\"eventId\":\"e-3\",\"event\":\"EntityCreated\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"data\":{}}",
                Map.of(KafkaConstants.TOPIC, "user-events")));

        dlt.assertIsSatisfied();
        assertThat(dlt.getExchanges().get(0).getIn().getHeader("x-failure-reason", String.class)).contains("no key");
    }

    @Test
    void shouldApplyAPollInOneBatchCountingEachEventOnceAndDeadLetterWhatIsNotAnEvent() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedBodiesReceived("not json");
        Map<String, Object> u5 = Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-5");
        Map<String, Object> u6 = Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, "u-6");

        poll(record(event("e-51", "EntityCreated"), u5), record(event("e-61", "EntityCreated"), u6),
                record("not json", u5), record(event("e-52", "EntityUpdated"), u5), record(event("e-51", "EntityCreated"), u5));
        poll(record(event("e-52", "EntityUpdated"), u5), record(event("e-53", "EntityDeleted"), u5));

        dlt.assertIsSatisfied();
        assertThat(count("SELECT event_count FROM entity_projection WHERE entity_id = 'u-5'")).as("e-51, e-52, e-53 once each").isEqualTo(3);
        assertThat(count("SELECT event_count FROM entity_projection WHERE entity_id = 'u-6'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM entity_projection WHERE entity_id = 'u-5' AND last_event_type = 'EntityDeleted'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM event_applied")).isEqualTo(4);
    }

    private static String event(String id, String type) {
        return "{\"eventId\":\"" + id + "\",\"event\":\"" + type + "\",\"occurredAt\":\"2026-11-25T10:00:00Z\",\"data\":{}}";
    }

    private Exchange record(String body, Map<String, Object> headers) {
        Exchange record = new DefaultExchange(context);
        record.getIn().setBody(body);
        record.getIn().setHeaders(new HashMap<>(headers));
        return record;
    }

    /** What camel-kafka's batching consumer hands the route: one exchange whose body is the poll's records. */
    private void poll(Exchange... records) {
        template.sendBody("direct:events", new ArrayList<>(List.of(records)));
    }

    private int count(String sql) throws Exception {
        try (var c = dataSource.getConnection(); var rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
