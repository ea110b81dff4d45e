package io.integrationhub.hub.cqrs.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.cqrs.api.UserId;
import io.integrationhub.hub.cqrs.api.UserRequest;
import io.integrationhub.hub.cqrs.api.UserState;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * CQRS write side: REST commands on users, and the relay of their transactional outbox to Kafka.
 * <pre>
 *  POST /users, PUT /users/{id}, DELETE /users/{id} ─▶ cqrs-user-* ─▶ ONE transaction: user_account + user_outbox
 *  timer ─▶ cqrs-outbox-relay: pending outbox rows in order ─▶ Kafka user-events (acks=all) ─▶ mark published
 * </pre>
 * The relay stops at the first record Kafka does not acknowledge and tries again on the next tick,
 * so while Kafka is down the writes go on and their events wait in the outbox; after a crash
 * between commit and publish the rows are still pending and go out after the restart.
 * A record sent twice (acknowledged, then the hub died before marking it) is harmless: the
 * projector applies each eventId once.
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
            .to("json-validator:schema/user-create.json")
            .process(e -> {
                UserState user = commands(e).create(JSON.readValue(e.getIn().getBody(byte[].class), UserRequest.class));
                JsonResponses.answer(e, 201, new UserId(user.id()));
                e.getMessage().setHeader("Location", "/users/" + user.id());
            });

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

        // synchronous: the next tick waits until this one's records are acknowledged; the Kafka
        // producer answers asynchronously, and overlapping ticks would publish the same rows again
        from("timer:cqrs-outbox-relay?delay=0&period={{hub.cqrs.outbox.poll-ms}}&synchronous=true")
            .routeId("cqrs-outbox-relay")
            .autoStartup("{{hub.cqrs.outbox.relay-enabled}}")
            // Kafka down or slow: the row stays pending and the next tick tries it again
            .onException(Exception.class)
                .handled(true)
                .log(LoggingLevel.WARN, "Outbox relay paused, events stay in the outbox until Kafka acknowledges: "
                        + "${exception.message}")
            .end()
            .setBody(method("userOutbox", "pending({{hub.cqrs.outbox.batch-size}})"))
            .split(body()).stopOnException()
                .setProperty("outboxSeq", simple("${body.seq}"))
                .setHeader(KafkaConstants.KEY, simple("${body.aggregateId}"))
                .setBody(simple("${body.payload}"))
                .to(ExchangePattern.InOnly, "kafka:{{hub.cqrs.topic}}?brokers={{hub.kafka.brokers}}"
                        + "&requestRequiredAcks=all&enableIdempotence=true&maxBlockMs={{hub.cqrs.outbox.max-block-ms}}"
                        + "&requestTimeoutMs={{hub.cqrs.outbox.request-timeout-ms}}"
                        + "&deliveryTimeoutMs={{hub.cqrs.outbox.delivery-timeout-ms}}")
                .bean("userOutbox", "markPublished(${exchangeProperty.outboxSeq})")
            .end();

        from("timer:cqrs-outbox-purge?delay=60000&period=3600000")
            .routeId("cqrs-outbox-purge")
            .setBody(method("userOutbox", "purgeExpired"))
            .filter(simple("${body} > 0"))
                .log("Purged ${body} published outbox rows older than {{hub.cqrs.outbox.retention-hours}} h")
            .end();
    }

    private static UserCommands commands(Exchange exchange) {
        return exchange.getContext().getRegistry().lookupByNameAndType("userCommands", UserCommands.class);
    }
}
