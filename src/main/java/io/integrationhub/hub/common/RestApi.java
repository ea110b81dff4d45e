package io.integrationhub.hub.common;

import org.apache.camel.CamelContext;

/**
 * The hub's HTTP API is declared in Camel's REST DSL: each {@code rest()} verb names its route id and links
 * to the route holding its logic ({@code direct:<route id>}), which Camel inlines into the verb's route
 * ({@code camel.rest.inlineRoutes}, on by default): one route per operation, with the logic route's id,
 * configuration and steps. The OpenAPI document at {@code /api/openapi.json} is generated from it.
 */
public final class RestApi {

    private RestApi() {
    }

    /**
     * True when a REST component is configured ({@code camel.rest.component}, as the hub's
     * {@code config/application.properties} does). A camel-test unit test of a route's logic has none: its
     * routes are then declared without their HTTP verbs and called on their {@code direct:} endpoints.
     */
    public static boolean isServed(CamelContext context) {
        return context.getRestConfiguration().getComponent() != null;
    }
}
