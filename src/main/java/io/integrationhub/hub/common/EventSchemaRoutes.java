package io.integrationhub.hub.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

/**
 * The event schemas over HTTP (docs/event-schemas.md):
 * <pre>
 *  GET /api/schemas                      ─▶ {"events":[{"event","currentVersion","versions":[1,…]}]}
 *  GET /api/schemas/{event}/{version}    ─▶ the JSON Schema (application/schema+json); version "2" or "v2"
 * </pre>
 */
public class EventSchemaRoutes extends RouteBuilder {

    /** One event type: its versions, the newest being the one producers write. */
    public record EventType(String event, int currentVersion, List<Integer> versions) {
    }

    @Override
    public void configure() {
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/schemas").tag("event schemas")
                .get().id("event-schemas")
                    .description("Event types with a JSON Schema and their versions (docs/event-schemas.md)")
                    .produces("application/json")
                    .to("direct:event-schemas")
                .get("/{event}/{version}").id("event-schema")
                    .description("The JSON Schema of an event type at a version (1 or v1)")
                    .produces("application/schema+json")
                    .responseMessage().code(200).message("the schema").endResponseMessage()
                    .responseMessage().code(404).message("no such event or version").endResponseMessage()
                    .to("direct:event-schema");
        }

        from("direct:event-schemas")
            .routeId("event-schemas")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                List<EventType> events = new ArrayList<>();
                EventSchemas.shared().events().forEach((event, current) -> events.add(new EventType(event, current,
                        IntStream.rangeClosed(1, current).boxed().toList())));
                JsonResponses.answer(e, 200, Map.of("events", events));
            });

        from("direct:event-schema")
            .routeId("event-schema")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(EventSchemaRoutes::schema);
    }

    private static void schema(Exchange exchange) throws Exception {
        String event = exchange.getIn().getHeader("event", String.class);
        String version = exchange.getIn().getHeader("version", String.class);
        Integer current = EventSchemas.shared().events().get(event);
        if (current == null) {
            throw new DomainException.NotFound("no event type " + event + " has a schema; event types: "
                    + EventSchemas.shared().events().keySet());
        }
        int v;
        try {
            v = Integer.parseInt(version.startsWith("v") ? version.substring(1) : version);
        } catch (NumberFormatException e) {
            throw new DomainException.Invalid("version is a number (2) or v and a number (v2), not " + version);
        }
        var document = EventSchemas.shared().document(event, v).orElseThrow(() -> new DomainException.NotFound(
                "event " + event + " has schema versions 1 to " + current + ", not " + v));
        JsonResponses.answer(exchange, 200, document);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/schema+json");
    }
}
