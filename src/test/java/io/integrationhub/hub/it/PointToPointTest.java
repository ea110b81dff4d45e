package io.integrationhub.hub.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.SharedHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/p2p/data against real HTTP downstreams: the stand-in, a closed port, a slow and a failing server. */
@ExtendWith(SharedHub.class)
class PointToPointTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private HttpServer downstream;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopDownstream() {
        release.countDown();
        if (downstream != null) {
            downstream.stop(0);
        }
    }

    @Test
    void shouldReturnTheJsonOfStandInServiceB() throws Exception {
        RunningHub hub = SharedHub.hub();
        HttpResponse<String> response = hub.get("/api/p2p/data");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("service").asText()).isEqualTo("B");
        assertThat(body.get("items")).hasSize(2);
        // the downstream's transport headers are not handed to the client
        assertThat(response.headers().firstValue("Accept")).isEmpty();
        // written at once with its length, not pumped through Vert.x's blocking reads as a chunked stream (common/Bodies)
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @Test
    void shouldAnswer502ProblemWhenServiceBRefusesTheConnection() throws Exception {
        int closedPort = RunningHub.freePort();
        try (RunningHub hub = RunningHub.start(workDir,
                Map.of("hub.service-b.url", "http://127.0.0.1:" + closedPort))) {
            HttpResponse<String> response = hub.get("/api/p2p/data");

            assertProblem(response, 502, "Bad Gateway");
        }
    }

    @Test
    void shouldAnswer504ProblemWhenServiceBIsTooSlow() throws Exception {
        startDownstream(exchange -> {
            awaitRelease();
            respond(exchange, 200, "{\"late\":true}");
        });
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.service-b.url", "http://127.0.0.1:" + downstream.getAddress().getPort(),
                "hub.http.read-timeout-ms", "300"))) {
            HttpResponse<String> response = hub.get("/api/p2p/data");

            assertProblem(response, 504, "Gateway Timeout");
            // the breaker has no time limit of its own (the call runs in the request's thread), yet the
            // HTTP client's timeout is counted against service B
            io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = hub.context().getRegistry()
                    .lookupByNameAndType("service-bBreaker", io.github.resilience4j.circuitbreaker.CircuitBreaker.class);
            assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswer502ProblemWhenServiceBAnswersAnError() throws Exception {
        startDownstream(exchange -> respond(exchange, 500, "{\"error\":\"boom\"}"));
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.service-b.url", "http://127.0.0.1:" + downstream.getAddress().getPort()))) {
            HttpResponse<String> response = hub.get("/api/p2p/data");

            JsonNode problem = assertProblem(response, 502, "Bad Gateway");
            assertThat(problem.get("detail").asText()).contains("500");
        }
    }

    @Test
    void shouldNotForwardTheClientsHeadersToServiceB() throws Exception {
        var seen = new java.util.concurrent.atomic.AtomicReference<com.sun.net.httpserver.Headers>();
        var method = new java.util.concurrent.atomic.AtomicReference<String>();
        startDownstream(exchange -> {
            seen.set(exchange.getRequestHeaders());
            method.set(exchange.getRequestMethod());
            respond(exchange, 200, "{\"ok\":true}");
        });
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.service-b.url", "http://127.0.0.1:" + downstream.getAddress().getPort()))) {
            HttpResponse<String> response = hub.send(java.net.http.HttpRequest.newBuilder(hub.uri("/api/p2p/data"))
                    .header("Authorization", "Bearer secret-of-the-client")
                    .header("Cookie", "session=1").GET().build());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).get("ok").asBoolean()).isTrue();
            assertThat(seen.get().containsKey("Authorization")).isFalse();
            assertThat(seen.get().containsKey("Cookie")).isFalse();
            assertThat(seen.get().getFirst("Accept")).isEqualTo("application/json");
            assertThat(method.get()).isEqualTo("GET");
        }
    }

    private static JsonNode assertProblem(HttpResponse<String> response, int status, String title) {
        JsonNode problem = ProblemAssert.assertProblem(response, status, "/api/p2p/data");
        assertThat(problem.get("title").asText()).isEqualTo(title);
        return problem;
    }

    private void startDownstream(com.sun.net.httpserver.HttpHandler dataHandler) throws IOException {
        downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        downstream.createContext("/data", dataHandler);
        downstream.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        downstream.start();
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
