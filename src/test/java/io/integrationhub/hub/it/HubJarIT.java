package io.integrationhub.hub.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built fat jar, started as users start it ({@code java -jar} from a folder holding config/
 * and routes/), with its embedded Kafka broker: it becomes healthy, takes settings from the
 * environment and the command line, serves the point-to-point route, and on SIGTERM finishes the
 * request in flight before it exits.
 */
class HubJarIT {

    @TempDir
    Path workDir;

    private Process hub;
    private HttpServer serviceB;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void cleanUp() {
        if (hub != null && hub.isAlive()) {
            hub.destroyForcibly();
        }
        if (serviceB != null) {
            serviceB.stop(0);
        }
    }

    @Test
    void shouldRunFromTheJarAndFinishInFlightRequestsOnSigterm() throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        serviceB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serviceB.setExecutor(Executors.newCachedThreadPool());
        serviceB.createContext("/data", exchange -> {
            requestArrived.countDown();
            awaitQuietly(release); // the request stays in flight until the hub is shutting down
            byte[] body = "{\"from\":\"real service B\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        serviceB.start();

        copy(Path.of("config"), workDir.resolve("config"));
        copy(Path.of("routes"), workDir.resolve("routes"));
        int port = RunningHub.freePort();
        ProcessBuilder pb = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", Path.of(System.getProperty("hub.jar")).toAbsolutePath().toString(),
                "--camel.server.port=" + port,
                "--hub.kafka.embedded.port=" + RunningHub.freePort(),
                "--hub.kafka.embedded.controller-port=" + RunningHub.freePort()))
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("hub.log").toFile());
        // settings from the environment: point-to-point goes to the test's service B, not the stand-in
        pb.environment().put("HUB_SERVICE_B_URL", "http://127.0.0.1:" + serviceB.getAddress().getPort());
        long started = System.nanoTime();
        hub = pb.start();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> status(port, "/observe/health/ready") == 200);
        System.out.printf("hub jar healthy %d ms after start (embedded Kafka included)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/p2p/data")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(requestArrived.await(10, TimeUnit.SECONDS)).isTrue();

        hub.destroy(); // SIGTERM
        Path log = workDir.resolve("hub.log");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(log).contains("JVM shutdown hook triggered by SIGTERM"));
        release.countDown();

        HttpResponse<String> response = inFlight.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("real service B");
        assertThat(hub.waitFor(40, TimeUnit.SECONDS)).as("hub exits after SIGTERM").isTrue();
        String output = Files.readString(log);
        assertThat(output).contains("Integration hub started").contains("p2p-data [Started] from file:routes/p2p.camel.yaml");
        assertThat(output).contains("Apache Camel 4.17.0 (integration-hub) shutdown");
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void copy(Path source, Path target) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (var walk = Files.walk(source)) {
            walk.forEach(paths::add);
        }
        for (Path p : paths) {
            Path dest = target.resolve(source.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(dest);
            } else {
                Files.copy(p, dest);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
