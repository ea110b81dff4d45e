package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.samples.SampleFaults;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The resilience4j breakers around the saga's calls, with faults injected into the stand-in
 * services through the admin endpoint: given failing or slow calls, the breaker opens, an open
 * breaker refuses without calling the service, and a probe after recovery closes it. State in
 * health and metrics.
 */
@ExtendWith(KafkaTestKit.class)
class CircuitBreakerTest {

    private static final Duration ENDS = Duration.ofSeconds(20);

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static OrderApi orders;

    @BeforeAll
    static void startHub() {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.admin.enabled", "true");
        settings.put("hub.breaker.payment.sliding-window-size", "4");
        settings.put("hub.breaker.payment.minimum-calls", "4");
        settings.put("hub.breaker.payment.failure-rate-threshold", "50");
        settings.put("hub.breaker.payment.wait-in-open-ms", "3000");
        settings.put("hub.breaker.payment.permitted-calls-in-half-open", "1");
        settings.put("hub.breaker.inventory.sliding-window-size", "4");
        settings.put("hub.breaker.inventory.minimum-calls", "4");
        settings.put("hub.breaker.inventory.slow-call-duration-ms", "200");
        settings.put("hub.breaker.inventory.slow-call-rate-threshold", "50");
        settings.put("hub.breaker.inventory.wait-in-open-ms", "600000");
        for (String name : List.of("service-b", "forward-payment")) {
            settings.put("hub.breaker." + name + ".sliding-window-size", "4");
            settings.put("hub.breaker." + name + ".minimum-calls", "4");
            settings.put("hub.breaker." + name + ".wait-in-open-ms", "600000");
        }
        hub = RunningHub.start(workDir, settings);
        orders = new OrderApi(hub);
    }

    /** Each test starts from closed breakers with empty windows, whatever the tests before it did. */
    @BeforeEach
    void closeBreakers() {
        for (String name : List.of("paymentBreaker", "inventoryBreaker", "service-bBreaker", "forward-paymentBreaker")) {
            hub.context().getRegistry().lookupByNameAndType(name, CircuitBreaker.class).reset();
        }
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldOpenOnFailuresRefuseWithoutCallingAndCloseAfterRecovery() {
        assertThat(fault("payment", "{\"failureRate\":1.0,\"latencyMs\":0}").statusCode()).isEqualTo(200);
        for (int i = 0; i < 4; i++) {
            JsonNode ended = orders.awaitEnded(orders.placeAccepted(OrderApi.order("u-cb", "SKU-1", 1, "1")), ENDS);
            assertThat(ended.get("reason").asText()).startsWith("payment service failed");
        }
        assertThat(breakerState("payment")).isEqualTo("OPEN");
        assertThat(hub.get("/observe/metrics").body())
                .contains("resilience4j_circuitbreaker_state{name=\"payment\",state=\"open\"} 1.0");

        long callsBefore = faults().calls("payment");
        JsonNode refused = orders.awaitEnded(orders.placeAccepted(OrderApi.order("u-cb", "SKU-1", 1, "1")), ENDS);
        assertThat(refused.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(refused.get("reason").asText()).isEqualTo("payment service unavailable");
        assertThat(faults().calls("payment")).as("the open breaker did not call the service").isEqualTo(callsBefore);

        assertThat(hub.send(hub.adminRequest("/admin/samples/payment/faults").DELETE().build()).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "HALF_OPEN".equals(breakerState("payment")));
        JsonNode probe = orders.awaitEnded(orders.placeAccepted(OrderApi.order("u-cb", "SKU-1", 1, "1")), ENDS);
        assertThat(probe.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(breakerState("payment")).isEqualTo("CLOSED");
    }

    @Test
    void shouldCountSlowCallsAsFailuresPastTheThreshold() {
        fault("inventory", "{\"failureRate\":0.0,\"latencyMs\":300}");
        try {
            for (int i = 0; i < 4; i++) {
                JsonNode ended = orders.awaitEnded(orders.placeAccepted(OrderApi.order("u-slow", "SKU-2", 1, "1")), ENDS);
                assertThat(ended.get("status").asText()).as("slow, but answered").isEqualTo("CONFIRMED");
            }
            assertThat(breakerState("inventory")).isEqualTo("OPEN");
            assertThat(breakerDetail("inventory", "slow.calls")).isEqualTo(4);
        } finally {
            hub.send(hub.adminRequest("/admin/samples/inventory/faults").DELETE().build());
        }
    }

    @Test
    void shouldInjectFaultsIntoServiceB() {
        assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        fault("service-b", "{\"failureRate\":1.0,\"latencyMs\":0}");
        try {
            JsonNode problem = io.integrationhub.hub.testkit.ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 502,
                    "/api/p2p/data");
            assertThat(problem.get("detail").asText()).contains("503");
        } finally {
            hub.send(hub.adminRequest("/admin/samples/service-b/faults").DELETE().build());
        }
        assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldOpenThePointToPointBreakerAndAnswer503WithoutCallingServiceB() {
        fault("service-b", "{\"failureRate\":1.0,\"latencyMs\":0}");
        try {
            for (int i = 0; i < 4; i++) {
                ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 502, "/api/p2p/data");
            }
            assertThat(breakerState("service-b")).isEqualTo("OPEN");

            long callsBefore = faults().calls("service-b");
            JsonNode problem = ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 503, "/api/p2p/data");
            assertThat(problem.get("detail").asText()).contains("circuit breaker is open");
            assertThat(faults().calls("service-b")).as("the open breaker did not call service B").isEqualTo(callsBefore);
        } finally {
            hub.send(hub.adminRequest("/admin/samples/service-b/faults").DELETE().build());
        }
    }

    /**
     * A breaker refuses calls in three states, not only when the failures opened it: forced open (as an
     * operator does through resilience4j) and half open once its trial calls are taken. Each is a 503
     * that says so, not a failed call (504) of a service that was never called.
     */
    @Test
    void shouldAnswer503WhenTheBreakerIsForcedOpenOrHalfOpenWithItsTrialCallsTaken() {
        CircuitBreaker breaker = hub.context().getRegistry().lookupByNameAndType("service-bBreaker", CircuitBreaker.class);
        long callsBefore = faults().calls("service-b");
        breaker.transitionToForcedOpenState();
        JsonNode forced = ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 503, "/api/p2p/data");
        assertThat(forced.get("detail").asText()).contains("circuit breaker is open");

        breaker.transitionToClosedState();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        int trials = 0;
        while (breaker.tryAcquirePermission()) {
            trials++; // trial calls taken by someone else, not yet ended
        }
        assertThat(trials).as("trial calls of half open").isPositive();
        JsonNode halfOpen = ProblemAssert.assertProblem(hub.get("/api/p2p/data"), 503, "/api/p2p/data");
        assertThat(halfOpen.get("detail").asText()).contains("circuit breaker is");
        assertThat(faults().calls("service-b")).as("service B was not called").isEqualTo(callsBefore);
    }

    @Test
    void shouldPassTheForwardedServicesFailureBackThenOpenItsBreaker() {
        fault("payment", "{\"failureRate\":1.0,\"latencyMs\":0}");
        try {
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> failed = reserveThroughGateway("gw-" + i);
                assertThat(failed.statusCode()).as("the service's own answer").isEqualTo(503);
                assertThat(failed.body()).contains("fault injected");
            }
            assertThat(breakerState("forward-payment")).isEqualTo("OPEN");

            long callsBefore = faults().calls("payment");
            HttpResponse<String> refused = reserveThroughGateway("gw-open");
            JsonNode problem = ProblemAssert.assertProblem(refused, 503, "/api/gateway/payment/reservations");
            assertThat(problem.get("detail").asText()).contains("circuit breaker is open");
            assertThat(faults().calls("payment")).as("the open breaker did not call the service").isEqualTo(callsBefore);
            assertThat(breakerState("payment")).as("the saga's breaker of the same service is its own").isEqualTo("CLOSED");
        } finally {
            hub.send(hub.adminRequest("/admin/samples/payment/faults").DELETE().build());
        }
    }

    private static HttpResponse<String> reserveThroughGateway(String orderId) {
        return hub.send(HttpRequest.newBuilder(hub.uri("/api/gateway/payment/reservations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"orderId\":\"" + orderId + "\",\"userId\":\"u-gw\",\"amount\":\"1\"}"))
                .build());
    }

    @Test
    void shouldFaultEveryOperationOfAServiceByDefaultSoTheOrderViewTurnsPartial() {
        String orderId = orders.placeAccepted(OrderApi.order("u-view", "SKU-1", 1, "2"));
        assertThat(orders.awaitEnded(orderId, ENDS).get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(fault("payment", "{\"failureRate\":1.0}").statusCode()).isEqualTo(200);
        try {
            assertThat(hub.get("/samples/payment/reservations/" + orderId).statusCode()).as("reads fail too").isEqualTo(503);
            JsonNode view = UserApi.read(hub.get("/api/order-views/" + orderId).body());
            assertThat(view.path("order").path("orderId").asText()).isEqualTo(orderId);
            assertThat(view.path("payment").isNull() || view.path("payment").isMissingNode()).isTrue();
            assertThat(view.path("errors").toString()).contains("\"leg\":\"payment\"").contains("503");
            // compensations stay fault-free unless named
            assertThat(hub.send(HttpRequest.newBuilder(hub.uri("/samples/payment/reservations/none")).DELETE().build())
                    .statusCode()).isEqualTo(200);
        } finally {
            hub.send(hub.adminRequest("/admin/samples/payment/faults").DELETE().build());
        }
        assertThat(hub.get("/samples/payment/reservations/" + orderId).statusCode()).isEqualTo(200);
    }

    /** An order view's leg refused by its breaker (forced open here) says so, not that the service was slow. */
    @Test
    void shouldNameTheRefusingBreakerInTheOrderViewsLeg() {
        String orderId = orders.placeAccepted(OrderApi.order("u-view-forced", "SKU-1", 1, "2"));
        assertThat(orders.awaitEnded(orderId, ENDS).get("status").asText()).isEqualTo("CONFIRMED");
        CircuitBreaker breaker = hub.context().getRegistry().lookupByNameAndType("gateway-paymentBreaker", CircuitBreaker.class);
        breaker.transitionToForcedOpenState();
        try {
            JsonNode view = UserApi.read(hub.get("/api/order-views/" + orderId).body());
            assertThat(view.path("order").path("orderId").asText()).isEqualTo(orderId);
            assertThat(view.path("errors").toString()).contains("\"leg\":\"payment\"")
                    .contains("the payment service is failing; its circuit breaker is open");
        } finally {
            breaker.reset();
        }
    }

    @Test
    void shouldFaultOnlyTheNamedOperations() {
        HttpResponse<String> set = fault("payment", "{\"failureRate\":1.0,\"operations\":[\"reserve\",\"cancel\"]}");
        try {
            assertThat(set.statusCode()).isEqualTo(200);
            assertThat(UserApi.read(set.body()).path("operations").toString()).isEqualTo("[\"reserve\",\"cancel\"]");
            assertThat(hub.get("/samples/payment/reservations/none").statusCode()).as("get not named").isEqualTo(404);
            assertThat(hub.send(HttpRequest.newBuilder(hub.uri("/samples/payment/reservations/none")).DELETE().build())
                    .statusCode()).as("a named compensation").isEqualTo(503);
        } finally {
            hub.send(hub.adminRequest("/admin/samples/payment/faults").DELETE().build());
        }
    }

    @Test
    void shouldRefuseABadFaultAndAnUnknownService() {
        assertThat(fault("payment", "{\"failureRate\":1.0,\"operations\":[\"steal\"]}").statusCode()).isEqualTo(400);
        assertThat(fault("payment", "{\"failureRate\":1.0,\"operations\":\"reserve\"}").statusCode()).isEqualTo(400);
        assertThat(fault("payment", "{\"failureRate\":1.5}").statusCode()).isEqualTo(400);
        assertThat(fault("payment", "{\"failureRate\":\"all\"}").statusCode()).isEqualTo(400);
        assertThat(fault("payment", "{not json").statusCode()).isEqualTo(400);
        assertThat(fault("nothing", "{\"failureRate\":0.5}").statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> fault(String service, String json) {
        return hub.send(hub.adminRequest("/admin/samples/" + service + "/faults")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static SampleFaults faults() {
        return hub.context().getRegistry().lookupByNameAndType("sampleFaults", SampleFaults.class);
    }

    private static String breakerState(String name) {
        return check(name).path("data").path("state").asText();
    }

    private static int breakerDetail(String name, String key) {
        return check(name).path("data").path(key).asInt();
    }

    private static JsonNode check(String name) {
        JsonNode health = UserApi.read(hub.get("/observe/health?data=true").body());
        for (JsonNode check : health.path("checks")) {
            if (("breaker-" + name).equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no health check breaker-" + name + " in " + health);
    }
}
