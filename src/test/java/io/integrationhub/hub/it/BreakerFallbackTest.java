package io.integrationhub.hub.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Breaker fallbacks chosen by configuration: point-to-point with {@code cached} (the last good answer,
 * marked, while it is fresh; then the failure as before), the gateway's forwarding with {@code static}.
 * The downstream is a real HTTP server in the test, told to answer or to fail.
 */
@ExtendWith(KafkaTestKit.class)
class BreakerFallbackTest {

    @TempDir
    static Path workDir;

    private static HttpServer downstream;
    /** What the downstream answers: a status and a body. */
    private static final AtomicReference<String> BODY = new AtomicReference<>();
    private static final AtomicInteger STATUS = new AtomicInteger(200);
    private static RunningHub hub;

    @BeforeAll
    static void start() throws IOException {
        downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        downstream.createContext("/", BreakerFallbackTest::answer);
        downstream.start();
        String url = "http://127.0.0.1:" + downstream.getAddress().getPort();
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.service-b.url", url);
        settings.put("hub.breaker.service-b.fallback", "cached");
        settings.put("hub.breaker.service-b.cache-ttl", "PT3S");
        settings.put("hub.breaker.service-b.sliding-window-size", "4");
        settings.put("hub.breaker.service-b.minimum-calls", "4");
        settings.put("hub.breaker.service-b.wait-in-open-ms", "600000");
        settings.put("hub.gateway.services", "flaky=" + url);
        settings.put("hub.breaker.forward-flaky.fallback", "static");
        settings.put("hub.breaker.forward-flaky.static-body", "{\"status\":\"degraded\"}");
        hub = RunningHub.start(workDir, settings);
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
        downstream.stop(0);
    }

    @BeforeEach
    void healthyDownstream() {
        STATUS.set(200);
        BODY.set("{\"version\":1}");
        hub.context().getRegistry().lookupByNameAndType("service-bBreaker", CircuitBreaker.class).reset();
    }

    @Test
    void shouldServeTheLastGoodAnswerMarkedAsCachedWhileTheDownstreamFailsThenTheFailureOnceItIsStale() {
        HttpResponse<String> good = hub.get("/api/p2p/data");
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.body()).isEqualTo("{\"version\":1}");
        assertThat(good.headers().firstValue("X-Hub-Fallback")).isEmpty();

        STATUS.set(500);
        BODY.set("{\"error\":\"down\"}");
        HttpResponse<String> cached = hub.get("/api/p2p/data");
        assertThat(cached.statusCode()).isEqualTo(200);
        assertThat(cached.body()).isEqualTo("{\"version\":1}");
        assertThat(cached.headers().firstValue("X-Hub-Fallback")).hasValue("cached");
        assertThat(cached.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Long.parseLong(cached.headers().firstValue("Age").orElseThrow())).isBetween(0L, 3L);

        // the failures still count: the breaker opens, and the cache still answers
        for (int i = 0; i < 4; i++) {
            hub.get("/api/p2p/data");
        }
        assertThat(hub.context().getRegistry().lookupByNameAndType("service-bBreaker", CircuitBreaker.class).getState())
                .isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(hub.get("/api/p2p/data").headers().firstValue("X-Hub-Fallback")).hasValue("cached");
        assertThat(hub.get("/observe/metrics").body())
                .contains("hub_breaker_fallbacks_total{breaker=\"service-b\",kind=\"cached\"}");

        // a request never answered well has nothing cached: the failure as without a fallback
        ProblemAssert.assertProblem(hub.get("/api/p2p/data?page=2"), 503, "/api/p2p/data?page=2");

        // older than cache-ttl: the open breaker's 503 again
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.get("/api/p2p/data").statusCode() == 503);
        ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 503, "/api/p2p/data");
    }

    @Test
    void shouldAnswerTheConfiguredStaticBodyForAFailingServiceBehindTheGateway() {
        HttpResponse<String> good = hub.get("/api/gateway/flaky/things");
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.headers().firstValue("X-Hub-Fallback")).isEmpty();

        STATUS.set(503);
        HttpResponse<String> degraded = hub.get("/api/gateway/flaky/things");
        assertThat(degraded.statusCode()).isEqualTo(200);
        assertThat(degraded.body()).isEqualTo("{\"status\":\"degraded\"}");
        assertThat(degraded.headers().firstValue("X-Hub-Fallback")).hasValue("static");

        // the service's refusal is its answer, not a failure to stand in for
        STATUS.set(404);
        BODY.set("{\"error\":\"no such thing\"}");
        HttpResponse<String> refused = hub.get("/api/gateway/flaky/things");
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.headers().firstValue("X-Hub-Fallback")).isEmpty();
    }

    @Test
    void shouldNeverStandInForAWrite() {
        STATUS.set(500);
        BODY.set("{\"error\":\"down\"}");
        HttpResponse<String> post = hub.send(HttpRequest.newBuilder(hub.uri("/api/gateway/flaky/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        // a 200 would tell the client its write was done: the service's own failure goes back instead
        assertThat(post.statusCode()).isEqualTo(500);
        assertThat(post.body()).isEqualTo("{\"error\":\"down\"}");
        assertThat(post.headers().firstValue("X-Hub-Fallback")).isEmpty();
    }

    @Test
    void shouldRefuseToStartOnAFallbackSettingItCannotUse() {
        assertThatThrownBy(() -> RunningHub.start(workDir.resolve("bad-mode"), Map.of("hub.breaker.service-b.fallback", "maybe")))
                .hasMessageContaining("hub.breaker.service-b.fallback").hasMessageContaining("error, cached or static");
        assertThatThrownBy(() -> RunningHub.start(workDir.resolve("no-body"), Map.of("hub.breaker.payment.fallback", "static")))
                .hasMessageContaining("hub.breaker.payment.static-body");
        assertThatThrownBy(() -> RunningHub.start(workDir.resolve("bad-ttl"), Map.of("hub.breaker.service-b.fallback", "cached",
                "hub.breaker.service-b.cache-ttl", "5 minutes"))).hasMessageContaining("hub.breaker.service-b.cache-ttl");
    }

    private static void answer(HttpExchange exchange) throws IOException {
        byte[] body = BODY.get().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(STATUS.get(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
