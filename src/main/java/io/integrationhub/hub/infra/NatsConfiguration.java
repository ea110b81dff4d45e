package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.Redact;
import io.integrationhub.hub.common.HubSettings;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS wiring: a connection (bean {@code natsMonitor}) opened in the background, so a NATS that is
 * down never delays or stops the hub's start, the {@code nats} readiness check on it, and the hub's
 * publishers use it. The NATS routes open their own connections (camel-nats, and {@link GroupedNatsComponent}
 * for the subscribers); while NATS is down their routes wait
 * under the supervised route controller and publishing answers 503.
 */
public final class NatsConfiguration implements CamelConfiguration {

    public static final String MONITOR = "natsMonitor";
    private static final Logger LOG = LoggerFactory.getLogger(NatsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        String servers = HubSettings.required(context, "hub.nats.servers");
        NatsMonitor monitor = new NatsMonitor(servers);
        context.addService(monitor, true, true);
        context.getRegistry().bind(MONITOR, monitor);
        context.getRegistry().bind("nats-health", new NatsHealthCheck(monitor));
        // the subscribers' component: nats's options, several messages in flight per subscription
        GroupedNatsComponent grouped = new GroupedNatsComponent();
        grouped.setMaxInFlight(HubSettings.positiveInt(context, "hub.nats.max-in-flight"));
        grouped.setAckWait(Duration.ofMillis(HubSettings.positiveInt(context, "hub.nats.ack-wait-ms")));
        context.addComponent(GroupedNatsComponent.SCHEME, grouped);
        LOG.info("NATS: {}", Redact.url(servers));
    }

    /** A background NATS connection that tells whether the servers are reachable. */
    public static final class NatsMonitor extends ServiceSupport {
        private final String servers;
        private final AtomicReference<Connection> connection = new AtomicReference<>();

        NatsMonitor(String servers) {
            this.servers = servers;
        }

        public String servers() {
            return servers;
        }

        public boolean isConnected() {
            Connection c = connection.get();
            return c != null && c.getStatus() == Connection.Status.CONNECTED;
        }

        /** The connection while it is connected, else null: publishers use it and never wait for a reconnect. */
        public Connection connection() {
            Connection c = connection.get();
            return c != null && c.getStatus() == Connection.Status.CONNECTED ? c : null;
        }

        public String status() {
            Connection c = connection.get();
            return c == null ? "NOT_CONNECTED" : c.getStatus().name();
        }

        @Override
        protected void doStart() throws Exception {
            Options options = new Options.Builder()
                    .servers(servers.split(","))
                    .connectionName("integration-hub-monitor")
                    .maxReconnects(-1)
                    .reconnectWait(Duration.ofSeconds(1))
                    .connectionTimeout(Duration.ofSeconds(2))
                    // one inbox per request: with jnats 2.24.1's shared request inbox, a connection that
                    // reconnected while requests were in flight (NATS killed under JetStream publishing)
                    // stayed CONNECTED with every later JetStream publish timing out (2 of 6 runs of a
                    // plain jnats reproduction; 0 of 6 with this style; PubSubCrashJarIT)
                    .oldRequestStyle()
                    .connectionListener((conn, event) -> {
                        if (event == ConnectionListener.Events.CONNECTED || event == ConnectionListener.Events.RECONNECTED) {
                            connection.set(conn);
                        }
                    })
                    .errorListener(new io.nats.client.ErrorListener() { })
                    .build();
            // returns at once; keeps trying in the background until the server is there
            Nats.connectAsynchronously(options, true);
        }

        @Override
        protected void doStop() throws Exception {
            Connection c = connection.getAndSet(null);
            if (c != null) {
                c.close();
            }
        }
    }

    /** Readiness check: the NATS servers accept a connection. */
    static final class NatsHealthCheck extends DependencyHealthCheck {
        private final NatsMonitor monitor;

        NatsHealthCheck(NatsMonitor monitor) {
            super("nats");
            this.monitor = monitor;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("servers", monitor.servers()).detail("status", monitor.status());
            if (monitor.isConnected()) {
                builder.up();
            } else {
                builder.down().message("NATS at " + monitor.servers() + " is " + monitor.status());
            }
        }
    }
}
