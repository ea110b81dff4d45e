package io.integrationhub.hub.infra;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.spi.SupervisingRouteController;

/**
 * Readiness is DOWN while the supervising route controller is still starting the routes: the HTTP
 * server answers before the last route (a YAML stand-in, say) has started, and Camel's route
 * checks only judge routes that exist as started or failed, so without this check a client told
 * "ready" could get 404 from a route a moment away from starting.
 */
public final class RouteStartupHealthCheck extends AbstractHealthCheck {

    public RouteStartupHealthCheck() {
        super("hub", "routes-startup");
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (getCamelContext().getRouteController() instanceof SupervisingRouteController supervising
                && supervising.isStartingRoutes()) {
            builder.detail("state", "starting routes").down();
        } else {
            builder.up();
        }
    }
}
