package io.integrationhub.hub;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.integrationhub.hub.circuitbreaker.BreakerConfiguration;
import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import io.integrationhub.hub.common.EventSchemaRoutes;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.IdempotencyPurgeRoutes;
import io.integrationhub.hub.common.OutboxRelayRoutes;
import io.integrationhub.hub.cqrs.CqrsConfiguration;
import io.integrationhub.hub.cqrs.command.UserCommandRoutes;
import io.integrationhub.hub.cqrs.query.UserQueryRoutes;
import io.integrationhub.hub.eventlog.EventLogConfiguration;
import io.integrationhub.hub.eventlog.EventLogRoutes;
import io.integrationhub.hub.gateway.GatewayRoutes;
import io.integrationhub.hub.gateway.SecurityConfiguration;
import io.integrationhub.hub.infra.ConsoleConfiguration;
import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.infra.EmbeddedKafkaBroker;
import io.integrationhub.hub.infra.HttpServerConfiguration;
import io.integrationhub.hub.infra.IdempotencyConfiguration;
import io.integrationhub.hub.infra.KafkaConfiguration;
import io.integrationhub.hub.infra.NatsConfiguration;
import io.integrationhub.hub.infra.OutboxConfiguration;
import io.integrationhub.hub.infra.RabbitMqConfiguration;
import io.integrationhub.hub.infra.RouteReloadConfiguration;
import io.integrationhub.hub.infra.TlsConfiguration;
import io.integrationhub.hub.infra.TracingConfiguration;
import io.integrationhub.hub.infra.StartupReport;
import io.integrationhub.hub.pubsub.PubSubConfiguration;
import io.integrationhub.hub.pubsub.PubSubFailureConfiguration;
import io.integrationhub.hub.pubsub.PubSubRoutes;
import io.integrationhub.hub.queue.QueueConfiguration;
import io.integrationhub.hub.recovery.RecoveryConfiguration;
import io.integrationhub.hub.recovery.RecoveryRoutes;
import io.integrationhub.hub.queue.TaskDeadLetterConfiguration;
import io.integrationhub.hub.queue.TaskQueueRoutes;
import io.integrationhub.hub.requestreply.RequestReplyConfiguration;
import io.integrationhub.hub.requestreply.RequestReplyRoutes;
import io.integrationhub.hub.saga.ChoreographyRoutes;
import io.integrationhub.hub.saga.SagaConfiguration;
import io.integrationhub.hub.saga.SagaFailureConfiguration;
import io.integrationhub.hub.saga.SagaRoutes;
import io.integrationhub.hub.samples.SampleFaultRoutes;
import io.integrationhub.hub.samples.SamplesConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.main.Main;

/**
 * Builds the hub's Camel {@link Main}: configuration classes, Java routes, property locations and
 * command-line overrides. The one place that lists the patterns: the core ({@code infra}, {@code common})
 * knows none of them (docs/architecture.md). The jar's main and the integration tests both boot the hub through here.
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
        return create(overrides, UnaryOperator.identity());
    }

    /**
     * As {@link #create(Map)}, with the patterns' configurations in the order {@code patternOrder}
     * gives them: a test starts the hub with them reversed, which shows that their order is free.
     */
    static HubMain create(Map<String, String> overrides, UnaryOperator<List<CamelConfiguration>> patternOrder) {
        HubMain main = new HubMain();
        String config = configLocation();
        if (!Files.isRegularFile(Path.of(config))) {
            throw new IllegalStateException("Configuration file " + Path.of(config).toAbsolutePath()
                    + " not found: start the hub from the repository root or set HUB_CONFIG to the file");
        }
        main.setPropertyPlaceholderLocations("file:" + config);
        // the hub.* defaults the jar ships, below the file: a file written for an older hub, without a
        // setting added since, starts with that setting's default
        HubSettings.shippedHubDefaults().forEach(main::addInitialProperty);
        overrides.forEach(main::addOverrideProperty);

        // The core, in this order: settings are checked first, the HTTP server is set up before any
        // route uses it, and the connections (database, Kafka, RabbitMQ, NATS) and the shared services
        // on them (outbox, idempotency) are bound before a pattern looks them up.
        for (CamelConfiguration core : List.of(
                new HubSettings(),
                // before any route: Camel's tracer adds its route policy to the routes as they are made
                new TracingConfiguration(),
                // the hub's HTTP server: 503 while starting/stopping or overloaded, a port it cannot bind stops the start
                new HttpServerConfiguration(main),
                new TlsConfiguration(),
                new DataSourceConfiguration(),
                new KafkaConfiguration(),
                new RabbitMqConfiguration(),
                new NatsConfiguration(),
                new OutboxConfiguration(),
                new IdempotencyConfiguration(),
                new BreakerConfiguration())) {
            main.configure().addConfiguration(core);
        }
        // The patterns: each needs only the core, never another pattern's beans at configuration
        // time (what one pattern asks of another is looked up when used), so their order is free.
        for (CamelConfiguration pattern : patternOrder.apply(List.of(
                new QueueConfiguration(),
                new PubSubConfiguration(),
                new EventLogConfiguration(),
                new CqrsConfiguration(),
                new RequestReplyConfiguration(),
                new SamplesConfiguration(),
                new SagaConfiguration(),
                new RecoveryConfiguration()))) {
            main.configure().addConfiguration(pattern);
        }
        // After every route is known: live reload of routes/, HTTP error answers for the paths, edge security.
        main.configure().addConfiguration(new RouteReloadConfiguration());
        main.configure().addConfiguration(new ConsoleConfiguration());
        main.configure().addConfiguration(new HttpErrorResponses());
        main.configure().addConfiguration(new SecurityConfiguration());

        // route configurations (error handling by concern) before the routes that name them
        for (RoutesBuilder routes : List.of(
                new HttpProblemRouteConfiguration(),
                new EventLogDeadLetterConfiguration(),
                new TaskDeadLetterConfiguration(),
                new PubSubFailureConfiguration(),
                new SagaFailureConfiguration(),
                // the core's own routes
                new OutboxRelayRoutes(),
                new IdempotencyPurgeRoutes(),
                new EventSchemaRoutes(),
                // the patterns' Java routes (their YAML routes are in routes/)
                new TaskQueueRoutes(),
                new PubSubRoutes(),
                new EventLogRoutes(),
                new UserCommandRoutes(),
                new UserQueryRoutes(),
                new RequestReplyRoutes(),
                new SagaRoutes(),
                new ChoreographyRoutes(),
                new SampleFaultRoutes(),
                new GatewayRoutes(),
                new RecoveryRoutes())) {
            main.configure().addRoutesBuilder(routes);
        }
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
