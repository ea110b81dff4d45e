package io.integrationhub.hub.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The jar's answers while it starts and stops, and its refusal to start when it cannot: a
 * request before the routes are up or after SIGTERM gets 503 problem+json with Retry-After (never
 * a 404), a request in flight at SIGTERM still gets its answer, and a taken port or a broken route
 * file stops the start with exit code 1 and one line naming the setting or the file.
 */
class StartStopJarIT {

    @TempDir
    Path workDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void shouldAnswer503NeverA404WhileStarting() throws Exception {
        int port = RunningHub.freePort();
        List<String> answers = new ArrayList<>();
        try (HubProcess hub = HubProcess.start(workDir, port, kafkaPorts(), Map.of())) {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                HttpResponse<String> r = post(hub, "/users", "{\"name\":\"Early\",\"email\":\"early"
                        + answers.size() + "@example.com\"}");
                if (r == null) {
                    return false; // not listening yet
                }
                answers.add(r.statusCode() + " " + r.headers().firstValue("Content-Type").orElse("")
                        + " retry-after=" + r.headers().firstValue("Retry-After").orElse("none"));
                return r.statusCode() == 201;
            });
            List<String> beforeReady = answers.subList(0, answers.size() - 1);
            assertThat(beforeReady).as("answers before the routes were up").isNotEmpty()
                    .allMatch(a -> a.equals("503 application/problem+json retry-after=1"));
        }
    }

    @Test
    void shouldFinishTheRequestInFlightAndAnswer503ToNewOnesOnSigterm() throws Exception {
        // service B of this test: holds the first request until the test lets it go, so a request is
        // surely in flight; later ones (sent before the hub has seen the signal) are answered at once
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        HttpServer serviceB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serviceB.setExecutor(Executors.newCachedThreadPool());
        serviceB.createContext("/b/data", exchange -> {
            if (first.getAndSet(false)) {
                arrived.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = "{\"service\":\"B\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        serviceB.start();
        Map<String, String> settings = kafkaPorts();
        settings.put("hub.service-b.url", "http://127.0.0.1:" + serviceB.getAddress().getPort() + "/b");
        // the request in flight waits while the test polls; the default 5 s would answer it 504
        settings.put("hub.http.read-timeout-ms", "30000");
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
            hub.awaitReady(Duration.ofSeconds(90));
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                    HttpRequest.newBuilder(hub.uri("/api/p2p/data")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(arrived.await(20, TimeUnit.SECONDS)).as("the request reached service B").isTrue();

            hub.process().destroy(); // SIGTERM
            List<Integer> after = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
                HttpResponse<String> response = get(hub, "/api/p2p/data");
                if (response != null) {
                    after.add(response.statusCode());
                }
                return response == null || after.stream().filter(s -> s == 503).count() >= 5;
            });
            release.countDown();

            assertThat(inFlight.get(30, TimeUnit.SECONDS).statusCode()).as("the request in flight").isEqualTo(200);
            // the signal is delivered asynchronously: requests answered before the hub saw it are 200;
            // from the first one it refused, every new request gets 503
            List<Integer> duringStop = after.stream().dropWhile(s -> s == 200).toList();
            assertThat(duringStop).as("new requests during the stop (all answers: %s)", after)
                    .isNotEmpty().containsOnly(503);
            assertThat(hub.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
        } finally {
            release.countDown();
            serviceB.stop(0);
        }
    }

    @Test
    void shouldRefuseToStartOnATakenPortNamingTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Map<String, String> settings = kafkaPorts();
            settings.put("hub.grpc.port", String.valueOf(taken.getLocalPort()));
            try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
                assertThat(hub.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(hub.process().exitValue()).isEqualTo(1);
                assertThat(errorLines(hub)).singleElement().asString()
                        .contains(":" + taken.getLocalPort()).contains("hub.grpc.port");
            }
        }
        try (ServerSocket taken = new ServerSocket(0)) {
            try (HubProcess hub = HubProcess.start(workDir, taken.getLocalPort(), kafkaPorts(), Map.of())) {
                assertThat(hub.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(hub.process().exitValue()).isEqualTo(1);
                assertThat(errorLines(hub)).singleElement().asString().contains("camel.server.port");
            }
        }
    }

    @Test
    void shouldRefuseToStartOnABrokenRouteFileNamingTheFile() throws Exception {
        Path routes = Files.createDirectories(workDir.resolve("routes"));
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), kafkaPorts(), Map.of(),
                () -> Files.writeString(routes.resolve("broken.yaml"), "- route:\n    id: broken\n   from: [oops\n"))) {
            assertThat(hub.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(hub.process().exitValue()).isEqualTo(1);
            assertThat(errorLines(hub)).singleElement().asString()
                    .contains("routes/broken.yaml").contains("line 3, column 4");
            assertThat(hub.log()).doesNotContain("\tat org.apache.camel");
        }
    }

    private static List<String> errorLines(HubProcess hub) {
        return hub.log().lines().filter(l -> l.contains(" ERROR ")).toList();
    }

    private static Map<String, String> kafkaPorts() {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()));
        settings.put("hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()));
        return settings;
    }

    private HttpResponse<String> post(HubProcess hub, String path, String json) {
        return send(HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private HttpResponse<String> get(HubProcess hub, String path) {
        return send(HttpRequest.newBuilder(hub.uri(path)).timeout(Duration.ofSeconds(10)).build());
    }

    /** The answer, or null when nothing listens (yet, or any more). */
    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
