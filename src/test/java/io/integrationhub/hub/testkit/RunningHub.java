package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import io.integrationhub.hub.HubRuntime;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;

/**
 * The real hub (same {@link HubRuntime} as {@code java -jar}) started in the test JVM on free ports (HTTP, gRPC),
 * with its own H2 database in a temporary folder and Kafka from {@link KafkaTestKit}. Settings can
 * be overridden per test; {@link #close()} shuts it down like SIGTERM does.
 */
public final class RunningHub implements AutoCloseable {

    private final HubRuntime.HubMain main;
    private final int port;
    private final int grpcPort;
    private final SSLContext tls;
    private final HttpClient http;

    private RunningHub(HubRuntime.HubMain main, int port, int grpcPort, SSLContext tls) {
        this.main = main;
        this.port = port;
        this.grpcPort = grpcPort;
        this.tls = tls;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        this.http = (tls == null ? client : client.sslContext(tls)).build();
    }

    /** The admin key of hubs in tests (hub.security.admin-key). */
    public static final String ADMIN_KEY = "test-admin-key";

    /** Settings shared by hubs in tests: free port, temporary H2 database, Kafka from the test kit, broker names of this JVM. */
    public static Map<String, String> defaults(Path workDir) {
        return defaults(workDir, true);
    }

    /** As {@link #defaults(Path)}; without the test kit's Kafka when the test brings a broker of its own. */
    private static Map<String, String> defaults(Path workDir, boolean testKitKafka) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("camel.server.port", String.valueOf(freePort()));
        settings.put("hub.grpc.port", String.valueOf(freePort()));
        settings.put("hub.datasource.url", "jdbc:h2:file:" + workDir.resolve("db/hub").toAbsolutePath()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        settings.putAll(LocalServices.forkBrokerNames());
        settings.put("hub.kafka.embedded", "false");
        if (testKitKafka) {
            settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        }
        // tests that exercise reload start their own hub on a copy of routes/
        settings.put("hub.routes.reload.enabled", "false");
        // /admin/** is closed without an admin key; tests that call it send this one (adminRequest)
        settings.put("hub.security.admin-key", ADMIN_KEY);
        return settings;
    }

    /**
     * Starts a hub with {@link #defaults} plus {@code overrides}. The free ports of the defaults are
     * found before the hub binds them, so another process may take one in between: a start that
     * fails on a port in use is tried again on new ports (up to three times) unless the test chose
     * the ports itself.
     */
    public static RunningHub start(Path workDir, Map<String, String> overrides, RoutesBuilder... extraRoutes) {
        boolean ownPorts = overrides.containsKey("camel.server.port") || overrides.containsKey("hub.grpc.port");
        for (int attempt = 1; ; attempt++) {
            Map<String, String> settings = defaults(workDir, !overrides.containsKey("hub.kafka.brokers"));
            settings.putAll(overrides);
            try {
                return start(settings, extraRoutes);
            } catch (IllegalStateException e) {
                if (ownPorts || attempt == 3 || !portInUse(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean portInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static RunningHub start(Map<String, String> settings, RoutesBuilder... extraRoutes) {
        HubRuntime.HubMain main = HubRuntime.create(settings);
        for (RoutesBuilder routes : extraRoutes) {
            main.configure().addRoutesBuilder(routes);
        }
        try {
            main.start();
        } catch (Exception e) {
            // not stopped here: a hub whose start fails must clean up after itself (EmbeddedKafkaBrokerTest)
            throw new IllegalStateException("hub did not start: " + e.getMessage(), e);
        }
        // a hub with hub.tls.enabled=true is called over HTTPS, trusting its own (test) key store
        SSLContext tls = "true".equals(settings.get("hub.tls.enabled"))
                ? TestCertificates.trusting(Path.of(settings.get("hub.tls.keystore")), settings.get("hub.tls.keystore-password"))
                : null;
        return new RunningHub(main, Integer.parseInt(settings.get("camel.server.port")),
                Integer.parseInt(settings.get("hub.grpc.port")), tls);
    }

    /** Copies the repository's routes/ into {@code target} so a test may edit them freely. */
    public static Path copyRoutes(Path target) {
        try {
            Path source = Path.of("routes");
            try (var files = Files.walk(source)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path dest = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public int port() {
        return port;
    }

    /** Port of the hub's gRPC server. */
    public int grpcPort() {
        return grpcPort;
    }

    public URI uri(String path) {
        return URI.create((tls == null ? "http" : "https") + "://localhost:" + port + path);
    }

    /** The hub's WebSocket address of {@code path} ({@code ws://}, or {@code wss://} with TLS). */
    public URI webSocketUri(String path) {
        return URI.create((tls == null ? "ws" : "wss") + "://localhost:" + port + path);
    }

    /** An HTTP client for this hub: trusts its certificate when it runs with TLS. */
    public HttpClient httpClient() {
        return http;
    }

    /** A request to {@code path} with the admin key, for {@code /admin/**}. */
    public HttpRequest.Builder adminRequest(String path) {
        return HttpRequest.newBuilder(uri(path)).header("X-API-Key", ADMIN_KEY).timeout(Duration.ofSeconds(60));
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().timeout(Duration.ofSeconds(30)).build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Ports this JVM hands out: a block of its own below the ephemeral range (see {@link #freePort()}). */
    private static final int PORT_BLOCK = 2000;
    private static final int PORTS_FROM = 20000;
    private static final AtomicInteger NEXT_PORT = new AtomicInteger();

    /**
     * A port nothing listens on, for a hub a test is about to start. Not one the system picks ({@code new
     * ServerSocket(0)}): those come from the ephemeral range (32768–60999), the same range every outgoing
     * connection takes its local port from, so between this answer and the hub's bind a Kafka or HTTP client
     * could take it, and the hub would refuse to start (the likely cause, not proven, of a jar test that once
     * waited its full 90 s for a hub that never got ready). Ports
     * here come from below that range, in a block per test JVM ({@code hub.test.fork}: parallel forks never
     * hand out the same port), one after another (a port is not handed out twice in a run), each checked
     * free by binding it.
     */
    public static int freePort() {
        String fork = System.getProperty("hub.test.fork", "f0").replaceAll("[^0-9]", "");
        int block = PORTS_FROM + (fork.isEmpty() ? 0 : Integer.parseInt(fork) % 6) * PORT_BLOCK;
        for (int tried = 0; tried < PORT_BLOCK; tried++) {
            int port = block + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_BLOCK);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // something listens there: the next one
            }
        }
        throw new IllegalStateException("no free port in " + block + "-" + (block + PORT_BLOCK - 1));
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException("hub did not stop cleanly", e);
        }
    }
}
