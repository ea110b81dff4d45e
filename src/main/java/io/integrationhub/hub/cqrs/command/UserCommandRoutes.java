package io.integrationhub.hub.cqrs.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.cqrs.api.UserId;
import io.integrationhub.hub.cqrs.api.UserRequest;
import io.integrationhub.hub.cqrs.api.UserState;
import org.apache.camel.Exchange;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

/**
 * CQRS write side: REST commands on users, each with its event in the transactional outbox.
 * <pre>
 *  POST /users, PUT /users/{id}, DELETE /users/{id} ─▶ cqrs-user-* ─▶ ONE transaction: user_account + outbox
 *  outbox ─▶ outbox-relay ({@link io.integrationhub.hub.common.OutboxRelayRoutes}) ─▶ Kafka user-events
 * </pre>
 * Kafka is not touched by a request: a write succeeds while Kafka is down, and its event follows.
 */
public class UserCommandRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.cqrs.max-body-bytes}}"));

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/users").tag("cqrs").description("CQRS write side: each command writes user_account and its event in one transaction")
                .post().id("cqrs-user-create")
                    .description("Create a user; 201 with Location once the user and its UserCreated event are committed")
                    .consumes("application/json").produces("application/json")
                    .type(UserRequest.class)
                    .param().name("Idempotency-Key").type(RestParamType.header).required(false)
                        .description("a retry with the same key and body gets the first answer again").endParam()
                    .responseMessage().code(400).message("invalid body (problem+json)").endResponseMessage()
                    .responseMessage().code(409).message("id or email taken (problem+json)").endResponseMessage()
                    .responseMessage().code(415).message("not application/json").endResponseMessage()
                    .responseMessage().code(201).message("created").responseModel(UserId.class).endResponseMessage()
                    .to("direct:cqrs-user-create")
                .put("/{id}").id("cqrs-user-update")
                    .description("Replace a user's name and email; its UserUpdated event says which changed")
                    .consumes("application/json").produces("application/json")
                    .type(UserRequest.class).outType(UserState.class)
                    .responseMessage().code(404).message("no such user").endResponseMessage()
                    .responseMessage().code(409).message("email taken").endResponseMessage()
                    .responseMessage().code(200).message("the user after the change").responseModel(UserState.class).endResponseMessage()
                    .to("direct:cqrs-user-update")
                .delete("/{id}").id("cqrs-user-delete")
                    .description("Delete a user (its email is free again)")
                    .responseMessage().code(204).message("deleted").endResponseMessage()
                    .responseMessage().code(404).message("no such user").endResponseMessage()
                    .to("direct:cqrs-user-delete")
                .get("/{id}").id("cqrs-user-get")
                    .description("The user as the write side holds it (read-your-writes); the read model is POST /graphql")
                    .produces("application/json").outType(UserState.class)
                    .responseMessage().code(404).message("no such user").endResponseMessage()
                    .responseMessage().code(200).message("the user").responseModel(UserState.class).endResponseMessage()
                    .to("direct:cqrs-user-get");
        }

        from("direct:cqrs-user-create")
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

        from("direct:cqrs-user-update")
            .routeId("cqrs-user-update")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .to("json-validator:schema/user-update.json")
            .process(e -> JsonResponses.answer(e, 200, commands(e).update(e.getIn().getHeader("id", String.class),
                    JSON.readValue(e.getIn().getBody(byte[].class), UserRequest.class))));

        from("direct:cqrs-user-delete")
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
        from("direct:cqrs-user-get")
            .routeId("cqrs-user-get")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> JsonResponses.answer(e, 200, commands(e).find(e.getIn().getHeader("id", String.class))));
    }

    private static UserCommands commands(Exchange exchange) {
        return exchange.getContext().getRegistry().lookupByNameAndType("userCommands", UserCommands.class);
    }
}
