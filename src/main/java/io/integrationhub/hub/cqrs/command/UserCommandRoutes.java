package io.integrationhub.hub.cqrs.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.cqrs.api.UserId;
import io.integrationhub.hub.cqrs.api.UserRequest;
import io.integrationhub.hub.cqrs.api.UserState;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * CQRS write side: REST commands on users, each with its event in the transactional outbox.
 * <pre>
 *  POST /users, PUT /users/{id}, DELETE /users/{id} ─▶ cqrs-user-* ─▶ ONE transaction: user_account + outbox
 *  outbox ─▶ outbox-relay ({@link io.integrationhub.hub.common.OutboxRelayRoutes}) ─▶ Kafka user-events
 * </pre>
 * Kafka is not touched by a request: a write succeeds while Kafka is down, and its event follows.
 */
public class UserCommandRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.cqrs.max-body-bytes}}"));

        from("platform-http:/users?httpMethodRestrict=POST")
            .routeId("cqrs-user-create")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .bean(IdempotentRequests.BEAN, "claim")
            .to("json-validator:schema/user-create.json")
            .process(e -> {
                // with an Idempotency-Key, the answer is stored in the user's own transaction: a hub that
                // dies right after the commit still answers the retry, which creates nothing
                UserState user = commands(e).create(JSON.readValue(e.getIn().getBody(byte[].class), UserRequest.class),
                        (c, created) -> IdempotentRequests.rememberWith(c, e, 201, "/users/" + created.id(),
                                JsonResponses.json(new UserId(created.id()))));
                IdempotentRequests.rememberedWithWrite(e);
                JsonResponses.answer(e, 201, new UserId(user.id()));
                e.getMessage().setHeader("Location", "/users/" + user.id());
            }).id("cqrs-user-create-write");

        from("platform-http:/users/{id}?httpMethodRestrict=PUT")
            .routeId("cqrs-user-update")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .to("json-validator:schema/user-update.json")
            .process(e -> JsonResponses.answer(e, 200, commands(e).update(e.getIn().getHeader("id", String.class),
                    JSON.readValue(e.getIn().getBody(byte[].class), UserRequest.class))));

        from("platform-http:/users/{id}?httpMethodRestrict=DELETE")
            .routeId("cqrs-user-delete")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                commands(e).delete(e.getIn().getHeader("id", String.class));
                e.getMessage().removeHeaders("*");
                e.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
                e.getMessage().setBody(null);
            });

        // the command side's own state, so the Location of a create answers at once (the read
        // model, behind Kafka, is eventually consistent: query it through /graphql)
        from("platform-http:/users/{id}?httpMethodRestrict=GET")
            .routeId("cqrs-user-get")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> JsonResponses.answer(e, 200, commands(e).find(e.getIn().getHeader("id", String.class))));
    }

    private static UserCommands commands(Exchange exchange) {
        return exchange.getContext().getRegistry().lookupByNameAndType("userCommands", UserCommands.class);
    }
}
