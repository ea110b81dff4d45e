package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.OnStarted;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/** Mounts the console ({@link ConsoleEndpoints}) and the traces' JSON ({@link TraceEndpoints}, with tracing on) once the HTTP server runs. */
public final class ConsoleConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        int port = HubSettings.port(context, "camel.server.port");
        OnStarted.once(context, ctx -> {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(ctx, VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                router = VertxPlatformHttpRouter.lookup(ctx);
            }
            new ConsoleEndpoints(ctx).mount(router);
            SpanStore store = ctx.getRegistry().lookupByNameAndType(TracingConfiguration.STORE, SpanStore.class);
            new TraceEndpoints(store).mount(router);
        });
    }
}
