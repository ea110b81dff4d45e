package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import java.util.Map;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.springrabbit.SpringRabbitMQComponent;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.Connection;

/**
 * RabbitMQ wiring: one Spring AMQP connection factory with publisher confirms (bean
 * {@code rabbitConnectionFactory}, used by the {@code spring-rabbitmq} component) and the
 * {@code rabbitmq} readiness check. A broker that is down does not stop the hub: the routes that
 * need it are retried by the supervised route controller.
 */
public final class RabbitMqConfiguration implements CamelConfiguration {

    public static final String CONNECTION_FACTORY = "rabbitConnectionFactory";
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        String host = HubSettings.required(context, "hub.rabbitmq.host");
        int port = HubSettings.port(context, "hub.rabbitmq.port");
        String vhost = HubSettings.required(context, "hub.rabbitmq.virtual-host");

        CachingConnectionFactory factory = new CachingConnectionFactory(host, port);
        factory.setUsername(HubSettings.required(context, "hub.rabbitmq.username"));
        factory.setPassword(HubSettings.optional(context, "hub.rabbitmq.password").orElse(""));
        factory.setVirtualHost(vhost);
        // the broker confirms every publish; the producer waits for it before the hub answers 202
        factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        factory.setConnectionNameStrategy(cf -> "integration-hub");
        factory.setChannelCacheSize(HubSettings.positiveInt(context, "hub.rabbitmq.channel-cache-size"));
        context.getRegistry().bind(CONNECTION_FACTORY, factory);

        SpringRabbitMQComponent component = context.getComponent("spring-rabbitmq", SpringRabbitMQComponent.class);
        component.setConnectionFactory(factory);

        context.getRegistry().bind("rabbitmq-health", new RabbitMqHealthCheck(factory, host + ":" + port + vhost));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                factory.destroy();
            }
        }, true, true);
        LOG.info("RabbitMQ: amqp://{}:{}{}", host, port, vhost);
    }

    /** Readiness check: a connection to the broker is open or can be opened. */
    static final class RabbitMqHealthCheck extends DependencyHealthCheck {
        private final CachingConnectionFactory factory;
        private final String address;

        RabbitMqHealthCheck(CachingConnectionFactory factory, String address) {
            super("rabbitmq");
            this.factory = factory;
            this.address = address;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("address", address);
            try {
                Connection connection = factory.createConnection();
                if (connection.isOpen()) {
                    builder.up();
                } else {
                    builder.down().message("RabbitMQ connection to " + address + " is closed");
                }
            } catch (Exception e) {
                builder.down().message("RabbitMQ at " + address + " unreachable: " + e.getMessage());
            }
        }
    }
}
