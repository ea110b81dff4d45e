package io.integrationhub.hub.cqrs.query;

import io.integrationhub.hub.common.EventRecords;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import io.integrationhub.hub.infra.InstanceRegistry;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

import static org.apache.camel.builder.endpoint.StaticEndpointBuilders.kafka;

/**
 * CQRS read side.
 * <pre>
 *  Kafka user-events ─▶ cqrs-projector (group hub.cqrs.projector.group) ─▶ user_view (one transaction)
 *                          ─▶ commit offset ─▶ WebSocket /ws/users: the event to every client
 *                          └─ retries exhausted / not a user event ─▶ user-events.dlt ─▶ commit
 *  POST /graphql ─▶ cqrs-graphql ─▶ user_view
 * </pre>
 * A client told of an event over the WebSocket finds it through GraphQL: the frame is sent only
 * after the read model's transaction committed.
 */
public class UserQueryRoutes extends RouteBuilder {

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.cqrs.graphql.max-body-bytes}}"));

        // a poll's records in one transaction, then the highest offset per partition committed (once per
        // poll, as the event log does): records applied again after a crash change nothing (by eventId);
        // a commit that fails (Kafka away) fails the batch, which is polled and applied again
        // brokers, offsets committed by hand, poll sizes: camel.component.kafka.*
        from(kafka("{{hub.cqrs.topic}}").groupId("{{hub.cqrs.projector.group}}").batching(true).breakOnFirstError(true))
            .routeId("cqrs-projector")
            // each record's own trace shows its event projected (the batch is one exchange of its own)
            .process(EventRecords.recordSpans("cqrs projection"))
            .bean("userProjector", "applyBatch")
            // what the batch left (not user events; or all, when its transaction failed), in order
            .process(EventRecords.applyOneByOne("direct:cqrs-project-record"))
            .process(EventRecords::commitHighestOffsets);

        // one record: retried, then dead-lettered (a record that is not a user event at once)
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/graphql").tag("cqrs")
                .post().id("cqrs-graphql")
                    .description("GraphQL over HTTP on the read model: user(id), users(first, after); subscriptions over graphql-ws at ws://…/graphql")
                    .consumes("application/json").produces("application/json")
                    .responseMessage().code(200).message("data (and errors for field errors)").endResponseMessage()
                    .responseMessage().code(400).message("a request that could not run").endResponseMessage()
                    .to("direct:cqrs-graphql");
        }

        from("direct:cqrs-project-record")
            .routeId("cqrs-project-record")
            .routeConfigurationId(EventLogDeadLetterConfiguration.ID)
            .bean("userProjector", "apply");

        // /ws/users of this instance: every user event, whatever instance projects it (a consumer
        // group per instance, from the newest record; nothing to commit, nothing to replay)
        from(kafka("{{hub.cqrs.topic}}").groupId("{{hub.cqrs.websocket.group-prefix}}" + instanceId())
                .autoOffsetReset("latest"))
            .routeId("cqrs-websocket-feed")
            .bean("userEventFeed", "forward").id("cqrs-websocket-broadcast");

        from("direct:cqrs-graphql")
            .routeId("cqrs-graphql")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .bean("userGraphQl", "execute")
            // GraphQL over HTTP: a request that did not run (not JSON, no query, invalid) is a 400 with its errors
            .process(e -> {
                UserGraphQl.Answer answer = e.getMessage().getBody(UserGraphQl.Answer.class);
                JsonResponses.answer(e, answer.ran() ? 200 : 400, answer.body());
            });
    }

    /** This instance's id (a route unit test has no instance registry: one consumer, one name). */
    private String instanceId() {
        InstanceRegistry instances = getContext().getRegistry().lookupByNameAndType("instanceRegistry", InstanceRegistry.class);
        return instances == null ? "local" : instances.instanceId();
    }
}
