package io.integrationhub.hub.infra;

import java.time.Duration;
import java.util.Map;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS wiring: one client connection (bean {@code natsConnection}) shared by the hub's NATS routes,
 * opened without waiting for the server (a NATS that is down does not stop the hub: the client keeps
 * reconnecting and subscriptions are made once it is back), and the {@code nats} readiness check.
 */
public final class NatsConfiguration implements CamelConfiguration {

    public static final String CONNECTION = "natsConnection";
    private static final Logger LOG = LoggerFactory.getLogger(NatsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        String servers = HubSettings.required(context, "hub.nats.servers");
        Options options = new Options.Builder()
                .servers(servers.split(","))
                .connectionName("integration-hub")
                .maxReconnects(-1)
                .reconnectWait(Duration.ofSeconds(1))
                .connectionTimeout(Duration.ofSeconds(2))
                .build();
        Connection connection = Nats.connectReconnectOnConnect(options);
        context.getRegistry().bind(CONNECTION, Connection.class, connection);
        context.getRegistry().bind("nats-health", new NatsHealthCheck(connection, servers));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                connection.close();
            }
        }, true, true);
        LOG.info("NATS: {} ({})", servers, connection.getStatus());
    }

    /** Readiness check: the shared NATS connection is connected. */
    static final class NatsHealthCheck extends DependencyHealthCheck {
        private final Connection connection;
        private final String servers;

        NatsHealthCheck(Connection connection, String servers) {
            super("nats");
            this.connection = connection;
            this.servers = servers;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("servers", servers).detail("status", connection.getStatus().name());
            if (connection.getStatus() == Connection.Status.CONNECTED) {
                builder.up();
            } else {
                builder.down().message("NATS at " + servers + " is " + connection.getStatus());
            }
        }
    }
}
