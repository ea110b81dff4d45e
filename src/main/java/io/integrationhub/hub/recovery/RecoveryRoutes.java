package io.integrationhub.hub.recovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.recovery.api.Selection;
import org.apache.camel.Exchange;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

/**
 * Dead-letter recovery over HTTP, behind the admin key like all of {@code /admin/**} (docs/recovery.md).
 * <pre>
 *  GET    /admin/dead-letters                      ─▶ every dead-letter destination and its depth
 *  GET    /admin/dead-letters/{source}?limit&amp;after ─▶ a page of its messages, none consumed
 *  POST   /admin/dead-letters/{source}/redrive     ─▶ the selected messages back where they came from
 *  DELETE /admin/dead-letters/{source}/{id}        ─▶ one message discarded
 * </pre>
 * Who did it: the {@code X-Operator} header (free text), else "admin"; recorded with every action.
 */
public class RecoveryRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String RECOVERY = "bean:" + DeadLetterRecovery.BEAN;

    @Override
    public void configure() {
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/admin/dead-letters").tag("dead-letter recovery")
                .description("Browse, redrive and discard dead letters (docs/recovery.md); the admin key in X-API-Key")
                .get().id("recovery-dead-letters")
                    .description("Every dead-letter destination and its depth").produces("application/json")
                    .to("direct:recovery-dead-letters")
                .get("/{source}").id("recovery-dead-letters-browse")
                    .description("Browse a destination's dead letters without consuming them").produces("application/json")
                    .param().name("limit").type(RestParamType.query).required(false).dataType("integer").endParam()
                    .param().name("after").type(RestParamType.query).required(false).description("the last id of the page before").endParam()
                    .responseMessage().code(200).message("a page of dead letters").endResponseMessage()
                    .responseMessage().code(404).message("no such source").endResponseMessage()
                    .to("direct:recovery-dead-letters-browse")
                .post("/{source}/redrive").id("recovery-dead-letters-redrive")
                    .description("Republish the selected dead letters to where they failed (ids, reason, route, from/to, all; dryRun)")
                    .consumes("application/json").produces("application/json").type(Selection.class)
                    .param().name("X-Operator").type(RestParamType.header).required(false).description("who acts, for the record").endParam()
                    .responseMessage().code(200).message("what was redriven, refused or left").endResponseMessage()
                    .responseMessage().code(400).message("invalid selection").endResponseMessage()
                    .responseMessage().code(503).message("the broker did not take the republish: nothing taken off").endResponseMessage()
                    .to("direct:recovery-dead-letters-redrive")
                .delete("/{source}/{id}").id("recovery-dead-letters-discard")
                    .description("Discard one dead letter, recorded with the operator").produces("application/json")
                    .responseMessage().code(200).message("discarded").endResponseMessage()
                    .responseMessage().code(404).message("no such dead letter").endResponseMessage()
                    .to("direct:recovery-dead-letters-discard");
        }

        from("direct:recovery-dead-letters")
            .routeId("recovery-dead-letters")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .to(RECOVERY + "?method=list")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("direct:recovery-dead-letters-browse")
            .routeId("recovery-dead-letters-browse")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .to(RECOVERY + "?method=browse(${header.source}, ${header.limit}, ${header.after})")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("direct:recovery-dead-letters-redrive")
            .routeId("recovery-dead-letters-redrive")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(1_048_576))
            .to("json-validator:schema/dead-letter-selection.json")
            .process(e -> e.getIn().setBody(JSON.readValue(e.getIn().getBody(byte[].class), Selection.class)))
            .process(e -> e.setProperty("actor", actor(e)))
            .to(RECOVERY + "?method=redrive(${header.source}, ${body}, ${exchangeProperty.actor})")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("direct:recovery-dead-letters-discard")
            .routeId("recovery-dead-letters-discard")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> e.setProperty("actor", actor(e)))
            .to(RECOVERY + "?method=discard(${header.source}, ${header.id}, ${exchangeProperty.actor})")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));
    }

    /** The operator named in X-Operator (cut to 100 characters, control characters dropped), else "admin". */
    private static String actor(Exchange exchange) {
        String named = exchange.getIn().getHeader("X-Operator", String.class);
        if (named == null || named.isBlank()) {
            return "admin";
        }
        String clean = named.replaceAll("\\p{Cntrl}", "").trim();
        return "admin:" + clean.substring(0, Math.min(100, clean.length()));
    }
}
