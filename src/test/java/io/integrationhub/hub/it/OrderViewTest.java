package io.integrationhub.hub.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/order-views/{orderId}}: the full view from the hub's own services, and with legs
 * served by test services — the order and payment legs can only answer once both requests have
 * arrived (a barrier), which proves they are asked in parallel without timing anything; a failing
 * payment and a user service slower than its leg's time limit give a partial view.
 */
@ExtendWith(KafkaTestKit.class)
class OrderViewTest {

    private static final java.util.concurrent.atomic.AtomicBoolean PAYMENT_FAILS = new java.util.concurrent.atomic.AtomicBoolean();

    @TempDir
    static Path workDir;
    @TempDir
    static Path otherDir;

    private static RunningHub hub;
    private static RunningHub hubWithTestLegs;
    private static HttpServer legs;
    private static final CyclicBarrier BOTH_LEGS = new CyclicBarrier(2);
    /** A slow leg holds its answer until the tests are over: past any time limit, without a fixed sleep. */
    private static final CountDownLatch SLOW_LEGS_RELEASED = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        hub = RunningHub.start(workDir, ownTopics("view"));
        legs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        legs.setExecutor(Executors.newCachedThreadPool());
        legs.createContext("/orders/", ex -> {
            String id = last(ex);
            if (id.equals("missing")) {
                answer(ex, 404, "{}");
                return;
            }
            if (id.equals("o-failorder")) {
                answer(ex, 500, "{}");
                return;
            }
            if (id.equals("o-slowordr")) {
                holdUntilReleased(); // slower than the order leg's time limit
                answer(ex, 200, "{}");
                return;
            }
            meet();
            answer(ex, 200, "{\"orderId\":\"" + id + "\",\"userId\":\"u-slow\",\"status\":\"CONFIRMED\"}");
        });
        legs.createContext("/payments/", ex -> {
            String id = last(ex);
            if (!id.equals("missing") && !id.equals("o-failorder") && !id.equals("o-slowordr")) {
                meet();
            }
            boolean failing = id.equals("o-failpay") || (id.equals("o-flipping") && PAYMENT_FAILS.get());
            answer(ex, failing ? 500 : 200, "{\"orderId\":\"" + id + "\",\"status\":\"RESERVED\"}");
        });
        legs.createContext("/users/", ex -> {
            holdUntilReleased(); // slower than the user leg's time limit
            answer(ex, 200, "{\"id\":\"u-slow\"}");
        });
        legs.start();
        String base = "http://127.0.0.1:" + legs.getAddress().getPort();
        // its own topics and groups: two hubs in one group would split the partitions, and an event
        // applied by one would never reach the other's read model
        Map<String, String> settings = new HashMap<>(ownTopics("legs"));
        settings.put("hub.order-view.order.url", base + "/orders");
        settings.put("hub.order-view.payment.url", base + "/payments");
        settings.put("hub.order-view.user.url", base + "/users");
        settings.put("hub.breaker.gateway-user.timeout-ms", "500");
        settings.put("hub.breaker.gateway-order.timeout-ms", "2000"); // shorter than the barrier wait: asked one after the other, the first leg times out
        settings.put("hub.breaker.gateway-payment.timeout-ms", "2000");
        // the payment leg stands in its last good answer while the payment service fails
        settings.put("hub.breaker.gateway-payment.fallback", "cached");
        hubWithTestLegs = RunningHub.start(otherDir, settings);
    }

    @AfterAll
    static void stop() {
        SLOW_LEGS_RELEASED.countDown();
        for (RunningHub h : new RunningHub[] {hub, hubWithTestLegs}) {
            if (h != null) {
                h.close();
            }
        }
        if (legs != null) {
            legs.stop(0);
        }
    }

    @Test
    void shouldMergeOrderUserAndPaymentOfTheHubsOwnServices() {
        String userId = "view-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        UserApi users = new UserApi(hub);
        assertThat(users.create(userId, "Viewed User", userId + "@example.com").statusCode()).isEqualTo(201);
        await().until(() -> !users.user(userId).isNull());
        OrderApi orders = new OrderApi(hub);
        String orderId = orders.placeAccepted(OrderApi.order(userId, "SKU-1", 1, "9.99"));
        assertThat(orders.awaitEnded(orderId, Duration.ofSeconds(20)).get("status").asText()).isEqualTo("CONFIRMED");

        HttpResponse<String> response = hub.get("/api/order-views/" + orderId);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode view = UserApi.read(response.body());
        assertThat(view.get("order").get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(view.get("user").get("name").asText()).isEqualTo("Viewed User");
        assertThat(view.get("payment").get("status").asText()).isEqualTo("RESERVED");
        assertThat(view.has("errors")).isFalse();
    }

    @Test
    void shouldAnswer404ForAnUnknownOrder() {
        ProblemAssert.assertProblem(hub.get("/api/order-views/no-such-order"), 404, "/api/order-views/no-such-order");
        ProblemAssert.assertProblem(hubWithTestLegs.get("/api/order-views/missing"), 404, "/api/order-views/missing");
    }

    @Test
    void shouldAskOrderAndPaymentInParallelAndGiveAPartialViewForASlowUser() {
        JsonNode view = UserApi.read(hubWithTestLegs.get("/api/order-views/o-1").body());

        assertThat(view.get("order").get("orderId").asText()).as("both legs met at the barrier").isEqualTo("o-1");
        assertThat(view.get("payment").get("status").asText()).isEqualTo("RESERVED");
        assertThat(view.get("user").isNull()).isTrue();
        assertThat(view.get("errors").toString()).contains("\"leg\":\"user\"").contains("did not answer in time");
    }

    @Test
    void shouldStandInTheLastGoodPaymentAnswerMarkedAsSuchWhileThePaymentServiceFails() {
        PAYMENT_FAILS.set(false);
        HttpResponse<String> fresh = hubWithTestLegs.get("/api/order-views/o-flipping");
        assertThat(UserApi.read(fresh.body()).has("fallbacks")).isFalse();

        PAYMENT_FAILS.set(true);
        HttpResponse<String> response = hubWithTestLegs.get("/api/order-views/o-flipping");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Hub-Fallback")).hasValue("cached");
        JsonNode view = UserApi.read(response.body());
        assertThat(view.get("payment").path("status").asText()).as(response.body()).isEqualTo("RESERVED");
        assertThat(view.path("errors").toString()).as(response.body()).doesNotContain("payment");
        assertThat(view.get("fallbacks").get(0).get("leg").asText()).isEqualTo("payment");
        assertThat(view.get("fallbacks").get(0).get("kind").asText()).isEqualTo("cached");
    }

    @Test
    void shouldGiveAPartialViewWhenALegFails() {
        HttpResponse<String> response = hubWithTestLegs.get("/api/order-views/o-failpay");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode view = UserApi.read(response.body());
        assertThat(view.get("order").get("orderId").asText()).isEqualTo("o-failpay");
        assertThat(view.get("payment").isNull()).isTrue();
        assertThat(view.get("errors").toString()).contains("\"leg\":\"payment\"").contains("answered 500");
    }

    @Test
    void shouldGiveAPartialViewWhenTheOrderLegFailsOrIsTooSlow() {
        for (String orderId : new String[] {"o-failorder", "o-slowordr"}) {
            HttpResponse<String> response = hubWithTestLegs.get("/api/order-views/" + orderId);

            assertThat(response.statusCode()).as(orderId).isEqualTo(200);
            JsonNode view = UserApi.read(response.body());
            assertThat(view.get("order").isNull()).isTrue();
            assertThat(view.get("payment").get("status").asText()).isEqualTo("RESERVED");
            assertThat(view.get("errors").toString()).contains("\"leg\":\"order\"")
                    .contains(orderId.equals("o-failorder") ? "answered 500" : "did not answer in time")
                    .contains("\"leg\":\"user\"");
        }
    }

    private static Map<String, String> ownTopics(String name) {
        String suffix = name + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", "user-events-" + suffix + ",order-events-" + suffix);
        settings.put("hub.eventlog.group", "eventlog-" + suffix);
        settings.put("hub.cqrs.topic", "user-events-" + suffix);
        settings.put("hub.cqrs.projector.group", "projector-" + suffix);
        settings.put("hub.saga.topic", "order-events-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        return settings;
    }

    private static void holdUntilReleased() {
        try {
            SLOW_LEGS_RELEASED.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void meet() {
        try {
            BOTH_LEGS.await(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            BOTH_LEGS.reset(); // the other leg never came: asked one after the other
        }
    }

    private static String last(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }
}
