package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.HubSettings;
import io.vertx.core.VertxOptions;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The hub's HTTP server as Camel Main builds it, plus what it lacks (see {@link HubHttpServerFactory}):
 * the serving gate (503 while starting and stopping), the admission limit
 * ({@code hub.http.max-in-flight}) and the Vert.x worker pool size ({@code hub.http.worker-threads}),
 * which must be larger so that health and metrics always find a thread; and TLS ({@code hub.tls.*}, {@link HubTls}).
 */
public final class HttpServerConfiguration implements CamelConfiguration {

    private final ServingGate gate = new ServingGate();
    private final AdmissionLimit limit = new AdmissionLimit();
    private final VertxOptions vertxOptions = new VertxOptions();
    private final HttpLimits limits = new HttpLimits();
    private volatile HubTls tls;

    /** Binds the server factory and the Vert.x options, which Camel Main looks up before it reads any setting. */
    public HttpServerConfiguration(Main main) {
        main.bind("hubHttpServerFactory", new HubHttpServerFactory(gate, limit, limits, () -> tls));
        main.bind("hubVertxOptions", vertxOptions);
        main.bind(HubRestComponent.NAME, new HubRestComponent());
        // the OpenAPI document rendered on its first request, not while the routes start
        main.bind(LazyOpenApi.BEAN, new LazyOpenApi());
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        context.getManagementStrategy().addEventNotifier(gate.lifecycle());
        context.addStartupListener(new HttpSummaryNotifiers());
        int workers = HubSettings.positiveInt(context, "hub.http.worker-threads");
        int maxInFlight = HubSettings.positiveInt(context, "hub.http.max-in-flight");
        if (maxInFlight >= workers) {
            throw new IllegalArgumentException("hub.http.max-in-flight=" + maxInFlight + " must be below "
                    + "hub.http.worker-threads=" + workers + ": the threads above it keep health and metrics answering");
        }
        vertxOptions.setWorkerPoolSize(workers);
        limit.setMax(maxInFlight);
        limits.set(HubSettings.positiveInt(context, "hub.http.max-header-bytes"),
                HubSettings.positiveInt(context, "hub.http.max-websocket-frame-bytes"),
                HubSettings.positiveInt(context, "hub.http.max-websocket-message-bytes"));
        JsonRequests.configure(context);
        // read here, before the server starts; TlsConfiguration gives it to the hub's clients
        tls = HubTls.read(context);
        context.getRegistry().bind(HubTls.BEAN, tls);
    }
}
