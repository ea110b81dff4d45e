package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Points tests at the machine's local services (RabbitMQ, NATS, PostgreSQL) and fails, never skips,
 * with a message naming the service and the command that starts it when one is not running.
 * Hosts and ports can be moved with environment variables (HUB_TEST_POSTGRES_PORT, ...).
 */
public final class LocalServices {

    public enum Service {
        RABBITMQ("RabbitMQ", 5672, "rabbitmq-server -detached"),
        NATS("NATS (with JetStream)", 4222,
                "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- "
                        + "-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log"),
        POSTGRES("PostgreSQL", 5432,
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start");

        final String displayName;
        final int defaultPort;
        final String startCommand;

        Service(String displayName, int defaultPort, String startCommand) {
            this.displayName = displayName;
            this.defaultPort = defaultPort;
            this.startCommand = startCommand;
        }

        public String host() {
            return env("HUB_TEST_" + name() + "_HOST", "127.0.0.1");
        }

        public int port() {
            return Integer.parseInt(env("HUB_TEST_" + name() + "_PORT", String.valueOf(defaultPort)));
        }
    }

    private LocalServices() {
    }

    /** Fails the calling test unless {@code service} accepts TCP connections. */
    public static void require(Service service) {
        if (!reachable(service.host(), service.port())) {
            fail(unavailableMessage(service));
        }
    }

    static String unavailableMessage(Service service) {
        return service.displayName + " is not running at " + service.host() + ":" + service.port()
                + ". These tests need the real service; start it with: " + service.startCommand;
    }

    public static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static String rabbitMqAddress() {
        require(Service.RABBITMQ);
        return Service.RABBITMQ.host() + ":" + Service.RABBITMQ.port();
    }

    public static String natsServers() {
        require(Service.NATS);
        return "nats://" + Service.NATS.host() + ":" + Service.NATS.port();
    }

    /** JDBC URL of the local PostgreSQL test database. */
    public static String postgresUrl() {
        require(Service.POSTGRES);
        return "jdbc:postgresql://" + Service.POSTGRES.host() + ":" + Service.POSTGRES.port() + "/"
                + env("HUB_TEST_POSTGRES_DB", "test");
    }

    public static String postgresUser() {
        return env("HUB_TEST_POSTGRES_USER", "postgres");
    }

    /** Hub settings that put the hub's database in {@code schema} of the local PostgreSQL. */
    public static Map<String, String> postgresHubSettings(String schema) {
        return Map.of("hub.datasource.url", postgresUrl(),
                "hub.datasource.username", postgresUser(),
                "hub.datasource.schema", schema);
    }

    /**
     * Broker names of this test JVM: the task queue's exchanges and queues on RabbitMQ, the pub/sub
     * subject and its JetStream streams and durables on NATS. Surefire and failsafe run test classes
     * in several JVMs at once ({@code forkCount}, each told its number in {@code hub.test.fork}), and
     * two hubs on the shipped names would take each other's messages from the one local RabbitMQ and
     * NATS. Classes that need names of their own for one class ({@link RabbitQueues}, {@link NatsClient})
     * override these. Kafka needs none: each JVM has its own test-kit broker.
     */
    public static Map<String, String> forkBrokerNames() {
        // "f" + surefire.forkNumber (pom.xml: the prefix keeps Maven from evaluating the lone placeholder to nothing)
        String fork = System.getProperty("hub.test.fork", "").isBlank() ? "f0" : System.getProperty("hub.test.fork");
        Map<String, String> names = new java.util.LinkedHashMap<>();
        names.put("hub.tasks.exchange", "hub.tasks-" + fork);
        names.put("hub.tasks.queue", "tasks-" + fork);
        names.put("hub.tasks.dead-letter-exchange", "hub.tasks-" + fork + ".dlx");
        names.put("hub.tasks.dead-letter-queue", "tasks-" + fork + ".dlq");
        names.put("hub.pubsub.subject", fork + ".orders.created");
        names.put("hub.pubsub.jetstream.stream", "ORDERS_" + fork.toUpperCase(Locale.ROOT));
        names.put("hub.pubsub.dead-letter-stream", "ORDERS_" + fork.toUpperCase(Locale.ROOT) + "_DLQ");
        names.put("hub.pubsub.jetstream.durable-prefix", "hub-" + fork + "-");
        return names;
    }

    /** A schema name of its own for one test class, so runs and classes never see each other's rows. */
    public static String uniqueSchema(String prefix) {
        return (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    }

    /** Drops a schema made with {@link #uniqueSchema}. */
    public static void dropPostgresSchema(String schema) {
        try (Connection c = DriverManager.getConnection(postgresUrl(), postgresUser(), "");
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop schema " + schema, e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
