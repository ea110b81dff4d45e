package io.integrationhub.hub.recovery;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.recovery.api.Selection;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

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

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECOVERY = "bean:" + DeadLetterRecovery.BEAN;

    @Override
    public void configure() {
        from("platform-http:/admin/dead-letters?httpMethodRestrict=GET")
            .routeId("recovery-dead-letters")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .to(RECOVERY + "?method=list")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("platform-http:/admin/dead-letters/{source}?httpMethodRestrict=GET")
            .routeId("recovery-dead-letters-browse")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .to(RECOVERY + "?method=browse(${header.source}, ${header.limit}, ${header.after})")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("platform-http:/admin/dead-letters/{source}/redrive?httpMethodRestrict=POST")
            .routeId("recovery-dead-letters-redrive")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(1_048_576))
            .to("json-validator:schema/dead-letter-selection.json")
            .process(e -> e.getIn().setBody(JSON.readValue(e.getIn().getBody(byte[].class), Selection.class)))
            .process(e -> e.setProperty("actor", actor(e)))
            .to(RECOVERY + "?method=redrive(${header.source}, ${body}, ${exchangeProperty.actor})")
            .process(e -> JsonResponses.answer(e, 200, e.getMessage().getBody()));

        from("platform-http:/admin/dead-letters/{source}/{id}?httpMethodRestrict=DELETE")
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
