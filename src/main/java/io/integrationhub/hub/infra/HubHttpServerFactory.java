package io.integrationhub.hub.infra;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;

/**
 * Camel Main's HTTP server (camel.server.*) with two things Camel 4.17's own does not do:
 * <ul>
 *   <li>the {@link SecurityHeaders} (CSP, nosniff…) come first on every answer;</li>
 *   <li>the {@link ServingGate} is the next handler of the router, mounted before the port is
 *   bound, so a request that arrives while the routes are still being added (or after SIGTERM)
 *   gets 503 problem+json with Retry-After instead of Vert.x's 404;</li>
 *   <li>the {@link AdmissionLimit} answers 503 at once past {@code hub.http.max-in-flight} requests;</li>
 *   <li>the {@link RequestLineGuard} refuses a path or query with invalid UTF-8 or control characters;</li>
 *   <li>the {@link HttpLimits} (header size, WebSocket frame and message size) are set on the server;</li>
 *   <li>with {@code hub.tls.enabled=true} the port speaks HTTPS only ({@link HubTls});</li>
 *   <li>a port that cannot be bound stops the hub: Camel's server logs the bind failure from a
 *   Vert.x callback and then carries on without a listener.</li>
 * </ul>
 * Camel Main finds this factory in the registry ({@code BaseMainSupport.resolveMainHttpServerFactory})
 * and uses it instead of its default one; everything else is the default server. The management
 * server (health, metrics) is Camel's own, on the same router.
 */
public final class HubHttpServerFactory implements MainHttpServerFactory {

    private final DefaultMainHttpServerFactory defaults = new DefaultMainHttpServerFactory();
    private final ServingGate gate;
    private final AdmissionLimit limit;
    private final HttpLimits limits;
    private final Supplier<HubTls> tls;

    public HubHttpServerFactory(ServingGate gate, AdmissionLimit limit, HttpLimits limits, Supplier<HubTls> tls) {
        this.gate = gate;
        this.limit = limit;
        this.limits = limits;
        this.tls = tls;
    }

    @Override
    public Service newHttpServer(CamelContext camelContext, HttpServerConfigurationProperties configuration) {
        // Camel's factory reads every camel.server.* option; the server it configured hands its
        // settings to ours
        MainHttpServer configured = (MainHttpServer) defaults.newHttpServer(camelContext, configuration);
        GatedMainHttpServer server = new GatedMainHttpServer(gate, limit, limits, tls);
        server.setCamelContext(camelContext);
        server.setConfiguration(configured.getConfiguration());
        server.setStaticEnabled(configured.isStaticEnabled());
        server.setStaticSourceDir(configured.getStaticSourceDir());
        server.setStaticContextPath(configured.getStaticContextPath());
        return server;
    }

    @Override
    public Service newHttpManagementServer(CamelContext camelContext,
            HttpManagementServerConfigurationProperties configuration) {
        return defaults.newHttpManagementServer(camelContext, configuration);
    }

    /** Camel's main HTTP server, running the gated Vert.x server below. */
    static final class GatedMainHttpServer extends MainHttpServer {
        private final ServingGate gate;
        private final AdmissionLimit limit;
        private final HttpLimits limits;
        private final Supplier<HubTls> tls;

        GatedMainHttpServer(ServingGate gate, AdmissionLimit limit, HttpLimits limits, Supplier<HubTls> tls) {
            this.gate = gate;
            this.limit = limit;
            this.limits = limits;
            this.tls = tls;
        }

        @Override
        protected void doInit() throws Exception {
            // MainHttpServer.doInit only creates the Vert.x server into a private field and adds it
            // as a service; it has no factory method to override, hence the field is set here
            GatedVertxServer server = new GatedVertxServer(getConfiguration(), gate, limit, limits, tls);
            Field field = MainHttpServer.class.getDeclaredField("server");
            field.setAccessible(true);
            field.set(this, server);
            getCamelContext().addService(server);
        }
    }

    /** Camel's Vert.x server with the gate first on its router and a bind failure that stops the start. */
    static final class GatedVertxServer extends VertxPlatformHttpServer {
        private final VertxPlatformHttpServerConfiguration configuration;
        private final ServingGate gate;
        private final AdmissionLimit limit;
        private final HttpLimits limits;
        private final Supplier<HubTls> tls;

        GatedVertxServer(VertxPlatformHttpServerConfiguration configuration, ServingGate gate, AdmissionLimit limit,
                HttpLimits limits, Supplier<HubTls> tls) {
            super(configuration);
            this.configuration = configuration;
            this.gate = gate;
            this.limit = limit;
            this.limits = limits;
            this.tls = tls;
        }

        @Override
        protected void initializeServer() {
            super.initializeServer();
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                    VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort()));
            HubTls serverTls = tls.get();
            SecurityHeaders.mount(router, Integer.MIN_VALUE, serverTls != null && serverTls.enabled());
            router.route().order(Integer.MIN_VALUE + 1).handler(gate);
            router.route().order(Integer.MIN_VALUE + 2).handler(new RequestLineGuard());
            router.route().order(Integer.MIN_VALUE + 3).handler(limit);
            // Camel's startServer creates the server from options it makes itself, with no hook to set
            // them: the Vert.x it creates the server with adds the hub's limits and TLS to those options.
            // setVertx refuses once the service is starting, hence the (private) field is set.
            Vertx vertx = getVertx();
            Vertx limiting = (Vertx) Proxy.newProxyInstance(Vertx.class.getClassLoader(), new Class<?>[] {Vertx.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("createHttpServer") && args != null && args.length == 1
                                && args[0] instanceof HttpServerOptions options) {
                            limits.applyTo(options);
                            if (serverTls != null) {
                                serverTls.applyTo(options);
                            }
                        }
                        try {
                            return method.invoke(vertx, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            try {
                Field field = VertxPlatformHttpServer.class.getDeclaredField("vertx");
                field.setAccessible(true);
                field.set(this, limiting);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Camel's Vert.x server changed: cannot set the hub's HTTP limits", e);
            }
        }

        @Override
        protected void startServer() throws Exception {
            PortNotBoundException.requireFree(configuration.getBindHost(), configuration.getBindPort(), "camel.server.port");
            super.startServer();
        }
    }
}
