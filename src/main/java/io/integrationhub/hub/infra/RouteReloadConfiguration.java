package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Registers {@link HubRouteReloadStrategy} on {@code hub.routes.reload.directory} when reload is enabled, and the readiness check of the routes' start. */
public final class RouteReloadConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        context.getRegistry().bind("routes-startup-health", new RouteStartupHealthCheck());
        if (HubSettings.bool(context, "hub.routes.reload.enabled")) {
            HubRouteReloadStrategy reloader = new HubRouteReloadStrategy(
                    HubSettings.required(context, "hub.routes.reload.directory"),
                    HubSettings.required(context, "hub.routes.reload.pattern"));
            context.addService(reloader);
            context.getRegistry().bind("routeReloadStrategy", reloader);
        }
    }
}
