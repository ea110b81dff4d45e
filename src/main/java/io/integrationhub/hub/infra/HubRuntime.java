package io.integrationhub.hub.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.common.HttpErrorResponses;
import io.integrationhub.hub.circuitbreaker.BreakerConfiguration;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotencyPurgeRoutes;
import io.integrationhub.hub.common.OutboxRelayRoutes;
import io.integrationhub.hub.cqrs.CqrsConfiguration;
import io.integrationhub.hub.gateway.GatewayRoutes;
import io.integrationhub.hub.gateway.SecurityConfiguration;
import io.integrationhub.hub.cqrs.command.UserCommandRoutes;
import io.integrationhub.hub.cqrs.query.UserQueryRoutes;
import io.integrationhub.hub.requestreply.RequestReplyConfiguration;
import io.integrationhub.hub.requestreply.RequestReplyRoutes;
import io.integrationhub.hub.saga.ChoreographyRoutes;
import io.integrationhub.hub.saga.SagaConfiguration;
import io.integrationhub.hub.saga.SagaFailureConfiguration;
import io.integrationhub.hub.saga.SagaRoutes;
import io.integrationhub.hub.samples.SampleFaultRoutes;
import io.integrationhub.hub.samples.SamplesConfiguration;
import io.integrationhub.hub.eventlog.EventLogConfiguration;
import io.integrationhub.hub.eventlog.EventLogDeadLetterConfiguration;
import io.integrationhub.hub.eventlog.EventLogRoutes;
import io.integrationhub.hub.pubsub.PubSubConfiguration;
import io.integrationhub.hub.pubsub.PubSubFailureConfiguration;
import io.integrationhub.hub.pubsub.PubSubRoutes;
import io.integrationhub.hub.queue.QueueConfiguration;
import io.integrationhub.hub.queue.TaskDeadLetterConfiguration;
import io.integrationhub.hub.queue.TaskQueueRoutes;
import org.apache.camel.main.Main;

/**
 * Builds the hub's Camel {@link Main}: configuration classes, Java routes, property locations and
 * command-line overrides. The jar's main and the integration tests both boot the hub through here.
 */
public final class HubRuntime {

    /** Default location of the operator-edited configuration, relative to the working directory. */
    public static final String DEFAULT_CONFIG = "config/application.properties";

    private HubRuntime() {
    }

    /** A hub configured from {@code args} ({@code --name=value} overrides any property). */
    public static HubMain create(String[] args) {
        List<String> camelArgs = new ArrayList<>();
        HubMain main = create(Map.of());
        for (String arg : args) {
            // Camel Main's own parser knows only its fixed options (-d, -pl, ...); the hub's
            // contract promises --name=value for every property, so those are taken here.
            if (arg.startsWith("--") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                main.addOverrideProperty(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                camelArgs.add(arg);
            }
        }
        main.camelArgs = camelArgs.toArray(String[]::new);
        return main;
    }

    /** A hub configured from the config file plus the given overrides (tests use this). */
    public static HubMain create(Map<String, String> overrides) {
        HubMain main = new HubMain();
        String config = configLocation();
        if (!Files.isRegularFile(Path.of(config))) {
            throw new IllegalStateException("Configuration file " + Path.of(config).toAbsolutePath()
                    + " not found: start the hub from the repository root or set HUB_CONFIG to the file");
        }
        main.setPropertyPlaceholderLocations("file:" + config);
        overrides.forEach(main::addOverrideProperty);

        main.configure().addConfiguration(new HubSettings());
        // the hub's HTTP server: 503 while starting/stopping or overloaded, a port it cannot bind stops the start
        main.configure().addConfiguration(new HttpServerConfiguration(main));
        main.configure().addConfiguration(new DataSourceConfiguration());
        main.configure().addConfiguration(new KafkaConfiguration());
        main.configure().addConfiguration(new RabbitMqConfiguration());
        main.configure().addConfiguration(new QueueConfiguration());
        main.configure().addConfiguration(new NatsConfiguration());
        main.configure().addConfiguration(new PubSubConfiguration());
        main.configure().addConfiguration(new EventLogConfiguration());
        main.configure().addConfiguration(new OutboxConfiguration());
        main.configure().addConfiguration(new IdempotencyConfiguration());
        main.configure().addConfiguration(new CqrsConfiguration());
        main.configure().addConfiguration(new RequestReplyConfiguration());
        main.configure().addConfiguration(new SamplesConfiguration());
        main.configure().addConfiguration(new BreakerConfiguration());
        main.configure().addConfiguration(new SagaConfiguration());
        main.configure().addConfiguration(new RouteReloadConfiguration());
        main.configure().addConfiguration(new HttpErrorResponses());
        main.configure().addConfiguration(new SecurityConfiguration());
        main.configure().addRoutesBuilder(new HttpProblemRouteConfiguration());
        main.configure().addRoutesBuilder(new TaskDeadLetterConfiguration());
        main.configure().addRoutesBuilder(new TaskQueueRoutes());
        main.configure().addRoutesBuilder(new PubSubFailureConfiguration());
        main.configure().addRoutesBuilder(new PubSubRoutes());
        main.configure().addRoutesBuilder(new EventLogDeadLetterConfiguration());
        main.configure().addRoutesBuilder(new EventLogRoutes());
        main.configure().addRoutesBuilder(new OutboxRelayRoutes());
        main.configure().addRoutesBuilder(new IdempotencyPurgeRoutes());
        main.configure().addRoutesBuilder(new UserCommandRoutes());
        main.configure().addRoutesBuilder(new UserQueryRoutes());
        main.configure().addRoutesBuilder(new RequestReplyRoutes());
        main.configure().addRoutesBuilder(new SagaFailureConfiguration());
        main.configure().addRoutesBuilder(new SagaRoutes());
        main.configure().addRoutesBuilder(new ChoreographyRoutes());
        main.configure().addRoutesBuilder(new SampleFaultRoutes());
        main.configure().addRoutesBuilder(new GatewayRoutes());
        main.addMainListener(new StartupReport());
        return main;
    }

    static String configLocation() {
        String fromProperty = System.getProperty("hub.config");
        if (fromProperty != null && !fromProperty.isBlank()) {
            return fromProperty;
        }
        String fromEnv = System.getenv("HUB_CONFIG");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : DEFAULT_CONFIG;
    }

    /** Camel Main plus the arguments left for Camel's own command-line parser. */
    public static final class HubMain extends Main {
        private String[] camelArgs = new String[0];

        /** Runs until the JVM is asked to stop; returns the exit code. */
        public int runHub() throws Exception {
            return run(camelArgs);
        }

        /**
         * The configuration classes run here, while Camel initialises Main. When one of them fails
         * (a bad setting, say), Camel marks Main failed and never stops the context or the services
         * added to it so far, so the embedded Kafka broker, whose start began during configuration
         * ({@link EmbeddedKafkaBroker#startEarly()}), is stopped here: it would otherwise keep running,
         * and hold its ports and log directory, in an embedding JVM (tests, the CDS training run).
         */
        @Override
        protected void doInit() throws Exception {
            try {
                super.doInit();
            } catch (Exception | Error e) {
                for (EmbeddedKafkaBroker broker : registry.findByType(EmbeddedKafkaBroker.class)) {
                    try {
                        org.apache.camel.support.service.ServiceHelper.stopAndShutdownService(broker);
                    } catch (RuntimeException stopFailure) {
                        e.addSuppressed(stopFailure);
                    }
                }
                throw e;
            }
        }
    }
}
