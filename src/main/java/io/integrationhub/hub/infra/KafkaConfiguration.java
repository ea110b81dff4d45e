package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka wiring: starts the embedded KRaft broker when {@code hub.kafka.embedded=true} (before any
 * route starts, stopped after they stop) and registers the {@code kafka} readiness check, which asks
 * the cluster at {@code hub.kafka.brokers} to describe itself.
 */
public final class KafkaConfiguration implements CamelConfiguration {

    /** Bean name of the hub's Kafka admin client. */
    public static final String ADMIN = "kafkaAdmin";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        if (HubSettings.bool(context, "hub.kafka.embedded")) {
            PortNotBoundException.requireFree(null, HubSettings.port(context, "hub.kafka.embedded.port"),
                    "hub.kafka.embedded.port");
            PortNotBoundException.requireFree(null, HubSettings.port(context, "hub.kafka.embedded.controller-port"),
                    "hub.kafka.embedded.controller-port");
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(
                    HubSettings.port(context, "hub.kafka.embedded.port"),
                    HubSettings.port(context, "hub.kafka.embedded.controller-port"),
                    Path.of(HubSettings.required(context, "hub.kafka.embedded.log-dir")),
                    HubSettings.positiveInt(context, "hub.kafka.embedded.partitions"));
            // its start begins now, beside the rest of the hub's; the context waits for it before any
            // route starts, and stops it after they stop
            broker.startEarly();
            context.addService(broker, true, true);
            context.getRegistry().bind("embeddedKafkaBroker", broker);
        }
        String brokers = HubSettings.required(context, "hub.kafka.brokers");
        KafkaAdmin admin = new KafkaAdmin(brokers);
        context.addService(admin, true, true);
        context.getRegistry().bind(ADMIN, admin);
        context.getRegistry().bind("kafka-health", new KafkaHealthCheck(admin, brokers));
        LOG.info("Kafka: {}{}", brokers,
                HubSettings.bool(context, "hub.kafka.embedded") ? " (embedded KRaft broker)" : "");
    }

    /** One Kafka admin client for the hub's own checks, created once the broker had a chance to start. */
    public static final class KafkaAdmin extends ServiceSupport {
        private final String brokers;
        private volatile Admin admin;

        KafkaAdmin(String brokers) {
            this.brokers = brokers;
        }

        public synchronized Admin get() {
            if (admin == null) {
                Properties props = new Properties();
                props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
                props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
                props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
                props.put(AdminClientConfig.CLIENT_ID_CONFIG, "hub-admin");
                admin = Admin.create(props);
            }
            return admin;
        }

        @Override
        protected synchronized void doStop() {
            if (admin != null) {
                admin.close();
                admin = null;
            }
        }
    }

    /** Readiness check: the Kafka cluster answers a describe-cluster request within three seconds. */
    static final class KafkaHealthCheck extends DependencyHealthCheck {
        private final KafkaAdmin admin;
        private final String brokers;

        KafkaHealthCheck(KafkaAdmin admin, String brokers) {
            super("kafka");
            this.admin = admin;
            this.brokers = brokers;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("bootstrap.servers", brokers);
            try {
                int nodes = admin.get().describeCluster(new DescribeClusterOptions().timeoutMs(3000))
                        .nodes().get(3, TimeUnit.SECONDS).size();
                builder.detail("nodes", nodes).up();
            } catch (Exception e) {
                builder.down().message("Kafka at " + brokers + " unreachable: " + e.getMessage());
            }
        }
    }
}
