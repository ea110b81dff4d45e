package io.integrationhub.hub.it;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 400 connections at once on the jar at {@code -Xmx256m}, half on point-to-point with a service B
 * that takes 1.5 s, half creating users: every request is answered (200/201, or 503 with Retry-After past
 * {@code hub.http.max-in-flight}), none waits without bound, liveness answers within 2 s during the
 * load, no OutOfMemoryError, and the hub is ready afterwards.
 */
class OverloadJarIT {

    @TempDir
    Path workDir;

    @Test
    void shouldShedExcessLoadWith503AndStayAlive() throws Exception {
        // a slow service B of the test's own (the stand-in would share the hub's limit with its callers),
        // answering after 1.5 s without holding a thread
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        HttpServer serviceB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
        serviceB.setExecutor(Executors.newFixedThreadPool(4));
        serviceB.createContext("/b/data", exchange -> timer.schedule(() -> {
            try (exchange) {
                byte[] body = "{\"service\":\"B\"}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (java.io.IOException e) {
                // the hub gave up on it
            }
        }, 1500, TimeUnit.MILLISECONDS));
        serviceB.start();
        Map<String, String> settings = Map.of(
                "hub.service-b.url", "http://127.0.0.1:" + serviceB.getAddress().getPort() + "/b",
                "hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()),
                "hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()));
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
            hub.awaitReady(Duration.ofSeconds(90));

            HttpClient load = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                HttpRequest request = i % 2 == 0
                        ? HttpRequest.newBuilder(hub.uri("/api/p2p/data")).timeout(Duration.ofSeconds(60)).build()
                        : HttpRequest.newBuilder(hub.uri("/users")).timeout(Duration.ofSeconds(60))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Load\",\"email\":\"load" + i
                                        + "@example.com\"}")).build();
                answers.add(load.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            // liveness while the hub is saturated (the connection storm is over: half the answers are
            // back, the admitted requests still wait on service B): answered within 2 s, or it times out
            await().atMost(Duration.ofSeconds(30)).until(() -> answers.stream().filter(CompletableFuture::isDone).count() >= 200);
            long probeStart = System.nanoTime();
            HttpResponse<Void> live;
            try {
                live = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(hub.uri("/observe/health/live"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            } finally {
                System.out.println("liveness probe under load took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - probeStart) + " ms");
            }
            assertThat(live.statusCode()).isEqualTo(200);

            Map<Integer, Integer> statuses = new TreeMap<>();
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
                statuses.merge(response.statusCode(), 1, Integer::sum);
                if (response.statusCode() == 503) {
                    assertThat(response.headers().firstValue("Retry-After")).isPresent();
                    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                }
            }
            System.out.println("400 concurrent requests, default max-in-flight: " + statuses);
            assertThat(statuses.keySet()).as("answers").isSubsetOf(200, 201, 503);
            assertThat(statuses.getOrDefault(200, 0)).as("point-to-point served").isPositive();
            assertThat(statuses.getOrDefault(503, 0)).as("excess shed at once").isPositive();
            assertThat(statuses.getOrDefault(200, 0) + statuses.getOrDefault(201, 0)).as("served").isPositive();
            assertThat(hub.log()).doesNotContain("OutOfMemoryError");
            assertThat(hub.status("/observe/health/ready")).isEqualTo(200);
        } finally {
            serviceB.stop(0);
            timer.shutdownNow();
        }
    }
}
