package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The secured edge: API keys with rights for writes and the gateway, the admin key, a rate limit per key. */
@ExtendWith(KafkaTestKit.class)
class EdgeSecurityTest {

    @TempDir
    static Path workDir;

    private static RunningHub hub;

    @BeforeAll
    static void startHub() throws Exception {
        // the admin key from a file, as a container secret would give it
        Path adminKeyFile = Files.writeString(workDir.resolve("admin-key"), "# the hub's admin key\nadmin-key\n");
        hub = RunningHub.start(workDir, Map.of(
                "hub.security.api-keys", "writer-key:write,gateway-key:write+gateway,burst-key:write",
                "hub.security.admin-key", "",
                "hub.security.admin-key-file", adminKeyFile.toString(),
                "hub.security.rate-limit", "5"));
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldAskForAKeyOnWritesAndLetReadsThrough() {
        HttpResponse<String> anonymous = post("/users", null, "{\"name\":\"A\",\"email\":\"a@example.com\"}");
        ProblemAssert.assertProblem(anonymous, 401, "/users");
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("X-API-Key"));
        ProblemAssert.assertProblem(post("/users", "unknown-key", "{\"name\":\"A\",\"email\":\"a@example.com\"}"), 403, "/users");
        assertThat(post("/users", "writer-key", "{\"name\":\"A\",\"email\":\"edge-a@example.com\"}").statusCode()).isEqualTo(201);
        assertThat(hub.get("/api/orders/none").statusCode()).as("reads stay open").isEqualTo(404);
        assertThat(hub.get("/observe/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReserveAdminPathsToTheAdminKeyAndTheGatewayToKeysWithThatRight() {
        ProblemAssert.assertProblem(post("/admin/replay/order-events", "writer-key", ""), 403, "/admin/replay/order-events");
        assertThat(post("/admin/replay/order-events", "admin-key", "").statusCode()).isEqualTo(202);
        ProblemAssert.assertProblem(get("/api/gateway/payment/anything", "writer-key"), 403, "/api/gateway/payment/anything");
        assertThat(get("/api/gateway/payment/anything", "gateway-key").statusCode()).as("let through, no such route yet")
                .isEqualTo(404);
    }

    @Test
    void shouldCheckTheAdminKeyOnThePathTheRoutesMatchNotTheRawOne() {
        // the router matches routes on the normalised path: %61 is "a", so this is /admin/replay/…
        ProblemAssert.assertProblem(post("/%61dmin/replay/order-events", null, ""), 401, "/%61dmin/replay/order-events");
        ProblemAssert.assertProblem(post("/api/../admin/replay/order-events", "writer-key", ""), 403,
                "/api/../admin/replay/order-events");
        ProblemAssert.assertProblem(post("/%61dmin/replay/order-events", "admin-ke", ""), 403, "/%61dmin/replay/order-events");
    }

    @Test
    void shouldAnswer429WithRetryAfterPastTheRateLimitOfAKey() {
        List<HttpResponse<String>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(post("/users", "burst-key", "{\"name\":\"B\"}"));
        }
        HttpResponse<String> limited = burst.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow(
                () -> new AssertionError("no 429 in a burst of 20 at 5/s"));
        ProblemAssert.assertProblem(limited, 429, "/users");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(burst.stream().filter(r -> r.statusCode() == 400).count()).as("those let through reached the route")
                .isBetween(1L, 10L);
    }

    @Test
    void shouldRefuseAnOversizedBodyWith413() {
        ProblemAssert.assertProblem(post("/users", "writer-key", "{\"name\":\"" + "x".repeat(40_000) + "\"}"), 413, "/users");
    }

    private static HttpResponse<String> post(String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return hub.send(request.build());
    }

    private static HttpResponse<String> get(String path, String key) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).header("X-API-Key", key).GET().build());
    }
}
