package io.integrationhub.hub.cqrs;

import java.time.Duration;

import java.util.List;

import javax.sql.DataSource;

import io.integrationhub.hub.common.OnStarted;
import io.integrationhub.hub.cqrs.command.UserCommands;
import io.integrationhub.hub.cqrs.query.ProjectionLag;
import io.integrationhub.hub.cqrs.query.UserEventFeed;
import io.integrationhub.hub.cqrs.query.UserEventStream;
import io.integrationhub.hub.cqrs.query.UserGraphQl;
import io.integrationhub.hub.cqrs.query.UserSubscriptions;
import io.integrationhub.hub.cqrs.query.UserGraphQl;
import io.integrationhub.hub.cqrs.query.UserProjector;
import io.integrationhub.hub.cqrs.query.UserReadModel;
import io.integrationhub.hub.common.ReplayTargets;
import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.infra.KafkaConfiguration;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * Beans of the CQRS pattern: the command side (commands, outbox), the read side (projector, read
 * model, GraphQL, WebSocket stream), the projection-lag metric, and the read model's place in
 * {@code POST /admin/replay/{topic}}.
 */
public final class CqrsConfiguration implements CamelConfiguration {

    public static final String WEBSOCKET_PATH = "/ws/users";
    /** POST: queries; GET with a WebSocket upgrade: subscriptions (graphql-ws). */
    public static final String GRAPHQL_PATH = "/graphql";

    @Override
    public void configure(CamelContext context) throws Exception {
        String topic = HubSettings.required(context, "hub.cqrs.topic");
        List<String> eventTopics = HubSettings.list(context, "hub.eventlog.topics");
        if (!eventTopics.contains(topic)) {
            throw new IllegalArgumentException("Setting hub.cqrs.topic (" + topic + ") must be one of hub.eventlog.topics "
                    + eventTopics + ", which the hub creates at start");
        }
        String group = HubSettings.required(context, "hub.cqrs.projector.group");
        int port = HubSettings.port(context, "camel.server.port");

        DataSource dataSource = DataSourceConfiguration.dataSource(context);
        UserReadModel readModel = new UserReadModel(dataSource);
        context.getRegistry().bind("userCommands", new UserCommands(dataSource, topic));
        context.getRegistry().bind("userReadModel", readModel);
        context.getRegistry().bind("userProjector", new UserProjector(dataSource));
        UserGraphQl graphQl = new UserGraphQl(readModel,
                HubSettings.positiveInt(context, "hub.cqrs.graphql.max-depth"),
                HubSettings.positiveInt(context, "hub.cqrs.graphql.max-complexity"),
                HubSettings.positiveInt(context, "hub.cqrs.graphql.max-page-size"));
        context.getRegistry().bind("userGraphQl", graphQl);

        UserEventStream stream = new UserEventStream(context, port, WEBSOCKET_PATH,
                HubSettings.positiveInt(context, "hub.cqrs.websocket.max-clients"),
                HubSettings.positiveInt(context, "hub.cqrs.websocket.max-queued-bytes"),
                HubSettings.positiveInt(context, "hub.http.max-websocket-message-bytes"));
        context.getRegistry().bind("userEventStream", stream);
        // GraphQL subscriptions (graphql-ws) at ws://…/graphql, fed as /ws/users is, with its limits
        UserSubscriptions subscriptions = new UserSubscriptions(context, port, GRAPHQL_PATH, graphQl,
                HubSettings.positiveInt(context, "hub.cqrs.websocket.max-clients"),
                HubSettings.positiveInt(context, "hub.cqrs.websocket.max-queued-bytes"));
        context.getRegistry().bind("userSubscriptions", subscriptions);
        context.getRegistry().bind("userEventFeed", new UserEventFeed(dataSource,
                Duration.ofMillis(HubSettings.positiveInt(context, "hub.cqrs.websocket.applied-wait-ms")),
                () -> stream.clientCount() + subscriptions.subscriptionCount(), record -> {
                    stream.broadcast(record);
                    subscriptions.publish(record);
                }));
        context.addService(stream, true, true);
        context.addService(subscriptions, true, true);

        KafkaConfiguration.KafkaAdmin admin = context.getRegistry()
                .lookupByNameAndType(KafkaConfiguration.ADMIN, KafkaConfiguration.KafkaAdmin.class);
        ProjectionLag lag = new ProjectionLag(context, admin, topic, group,
                HubSettings.positiveInt(context, "hub.cqrs.projector.lag-interval-ms"));
        context.getRegistry().bind("userProjectionLag", lag);
        context.addService(lag, true, true);

        ReplayTargets.of(context).register(topic, "cqrs-projector", group, readModel::reset);

        OnStarted.once(context, ctx -> {
            stream.mount();
            subscriptions.mount();
            MeterRegistry meters = ctx.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters != null) {
                Gauge.builder("hub.cqrs.projection.lag", lag, ProjectionLag::lag)
                        .description("user events on Kafka not yet applied to the read model")
                        .tag("group", group).register(meters);
                Gauge.builder("hub.cqrs.websocket.clients", stream, UserEventStream::clientCount)
                        .description("WebSocket clients connected to " + WEBSOCKET_PATH).register(meters);
                FunctionCounter.builder("hub.cqrs.websocket.dropped", stream, UserEventStream::droppedCount)
                        .description("WebSocket clients dropped for reading too slowly").register(meters);
            }
        });
    }
}
