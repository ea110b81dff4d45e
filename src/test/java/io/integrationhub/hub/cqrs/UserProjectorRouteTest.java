package io.integrationhub.hub.cqrs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.cqrs.query.UserGraphQl;
import io.integrationhub.hub.cqrs.query.UserProjector;
import io.integrationhub.hub.cqrs.query.UserQueryRoutes;
import io.integrationhub.hub.cqrs.query.UserEventFeed;
import io.integrationhub.hub.cqrs.query.UserReadModel;
import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.Exchange;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of the read side's routes with camel-test: the projector's Kafka consumer becomes
 * {@code direct:events} and the WebSocket feed's {@code direct:feed}, the sockets and the dead-letter topic mocks, GraphQL {@code direct:graphql}, the read
 * model an in-memory H2. Against Kafka, PostgreSQL and real clients: {@code it.CqrsTest}.
 */
class UserProjectorRouteTest extends RouteUnitTestSupport {

    private UserReadModel readModel;

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "hub.cqrs.topic", "user-events",
                "hub.cqrs.projector.group", "unit",
                "hub.cqrs.graphql.max-body-bytes", "1000",
                "hub.http.max-json-depth", "32",
                "hub.eventlog.max-attempts", "2",
                "hub.eventlog.max-poll-records", "10",
                "hub.eventlog.poll-timeout-ms", "100",
                "hub.eventlog.session-timeout-ms", "10000",
                "hub.kafka.brokers", "kafka.test:9092",
                "hub.cqrs.websocket.group-prefix", "unit-feed-");
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new HttpProblemRouteConfiguration(), new EventLogDeadLetterConfiguration(),
                new UserQueryRoutes(), new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:eventlog-dead-letter").routeId("eventlog-dead-letter").to("mock:dlt");
                    }
                }};
    }

    @BeforeEach
    void advise() throws Exception {
        DataSource dataSource = MemoryDatabase.migrated();
        readModel = new UserReadModel(dataSource);
        context.getRegistry().bind("userProjector", new UserProjector(dataSource));
        context.getRegistry().bind("userGraphQl", new UserGraphQl(readModel, 8, 200, 10));
        context.getRegistry().bind("userEventFeed", new UserEventFeed(dataSource, Duration.ofMillis(200), () -> 1,
                frame -> template.sendBody("mock:ws", frame)));
        AdviceWith.adviceWith(context, "cqrs-projector", r -> r.replaceFromWith("direct:events"));
        AdviceWith.adviceWith(context, "cqrs-websocket-feed", r -> r.replaceFromWith("direct:feed"));
        AdviceWith.adviceWith(context, "cqrs-graphql", r -> r.replaceFromWith("direct:graphql"));
        context.start();
    }

    @Test
    void shouldBroadcastAnEventOnceItIsAppliedAndNeverItsRedelivery() throws Exception {
        MockEndpoint ws = getMockEndpoint("mock:ws");
        String created = event("e-1", "UserCreated", "u-1", "Ada", 1);
        // sent in the current shape of its schema: the record had no schemaVersion (written before versions existed)
        ws.expectedBodiesReceived(created.replace("\"event\":\"UserCreated\",", "\"event\":\"UserCreated\",\"schemaVersion\":1,"));

        deliver("u-1", created);
        deliver("u-1", created);

        ws.assertIsSatisfied();
        assertThat(readModel.find("u-1")).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("Ada"));
    }

    @Test
    void shouldIgnoreAnOlderVersionArrivingAfterANewerOne() throws Exception {
        deliver("u-2", event("e-2", "UserUpdated", "u-2", "Newer", 2));
        deliver("u-2", event("e-3", "UserCreated", "u-2", "Older", 1));

        assertThat(readModel.find("u-2")).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("Newer"));
        assertThat(getMockEndpoint("mock:ws").getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void shouldKeepOnlyATombstoneOfADeletedUser() throws Exception {
        deliver("u-3", event("e-4", "UserCreated", "u-3", "Gone", 1));
        deliver("u-3", "{\"eventId\":\"e-5\",\"event\":\"UserDeleted\",\"occurredAt\":\"2026-11-25T10:00:01Z\","
                + "\"data\":{\"id\":\"u-3\",\"deletedAt\":\"2026-11-25T10:00:01Z\",\"version\":2}}");

        assertThat(readModel.find("u-3")).isEmpty();
        assertThat(readModel.page(10, null)).isEmpty();
    }

    @Test
    void shouldDeadLetterAUserEventWhoseKeyIsNotItsUser() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedMessageCount(1);

        deliver("someone-else", event("e-6", "UserCreated", "u-6", "Mismatch", 1));

        dlt.assertIsSatisfied();
        assertThat(readModel.find("u-6")).isEmpty();
        assertThat(getMockEndpoint("mock:ws").getReceivedCounter()).isZero();
    }

    @Test
    void shouldAnswer400ForAQueryThatDoesNotParseAnd200WithFieldErrors() {
        Exchange unparsable = graphQl("{\"query\":\"{ user(\"}");
        Exchange fieldError = graphQl("{\"query\":\"{ users(first: 0) { pageInfo { hasNextPage } } }\"}");

        assertThat(unparsable.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(400);
        assertThat(unparsable.getMessage().getBody(String.class)).contains("\"errors\"").doesNotContain("\"data\"");
        assertThat(fieldError.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(fieldError.getMessage().getBody(String.class)).contains("first must be between 1 and 10");
    }

    private Exchange graphQl(String body) {
        return template.request("direct:graphql", e -> {
            e.getIn().setHeader(Exchange.CONTENT_TYPE, "application/json");
            e.getIn().setBody(body.getBytes());
        });
    }

    /**
     * One record as the projector (its group: a poll of one, as camel-kafka's batching consumer hands
     * it) and this instance's WebSocket feed (its own group) both get it.
     */
    private void deliver(String key, String value) {
        template.sendBody("direct:events", new ArrayList<>(List.of(record(key, value))));
        template.sendBodyAndHeaders("direct:feed", value, Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, key));
    }

    private Exchange record(String key, String value) {
        Exchange record = new DefaultExchange(context);
        record.getIn().setBody(value);
        record.getIn().setHeaders(new HashMap<>(Map.of(KafkaConstants.TOPIC, "user-events", KafkaConstants.KEY, key)));
        return record;
    }

    @Test
    void shouldApplyAPollInOneTransactionKeepingEachUsersNewestVersion() throws Exception {
        MockEndpoint dlt = getMockEndpoint("mock:dlt");
        dlt.expectedMessageCount(1);

        template.sendBody("direct:events", new ArrayList<>(List.of(
                record("u-7", event("e-71", "UserCreated", "u-7", "Seven", 1)),
                record("u-8", event("e-81", "UserCreated", "u-8", "Eight", 1)),
                record("u-7", event("e-72", "UserUpdated", "u-7", "Seven again", 2)),
                record("u-9", event("e-91", "UserCreated", "someone-else", "Mismatch", 1)),
                record("u-7", event("e-71", "UserCreated", "u-7", "Seven", 1)))));
        template.sendBody("direct:events", new ArrayList<>(List.of(
                record("u-8", event("e-80", "UserCreated", "u-8", "Stale", 1)))));

        dlt.assertIsSatisfied();
        assertThat(readModel.find("u-7")).hasValueSatisfying(u -> assertThat(u.name()).isEqualTo("Seven again"));
        assertThat(readModel.find("u-8")).hasValueSatisfying(u -> assertThat(u.name()).as("an older version ignored").isEqualTo("Eight"));
        assertThat(readModel.find("u-9")).isEmpty();
    }

    private static String event(String eventId, String type, String id, String name, long version) {
        return "{\"eventId\":\"" + eventId + "\",\"event\":\"" + type + "\",\"occurredAt\":\"2026-11-25T10:00:00Z\","
                + "\"data\":{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"email\":\"" + id + "@example.com\","
                + "\"createdAt\":\"2026-11-25T10:00:00Z\",\"updatedAt\":\"2026-11-25T10:00:00Z\",\"version\":" + version + "}}";
    }
}
