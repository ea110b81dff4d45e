package io.integrationhub.hub.it;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An inventory service that does not answer within {@code hub.saga.step-timeout-ms}: the step
 * fails, the payment is compensated, the order is CANCELLED, and the slow service is told to
 * release too (it may have reserved after all).
 */
@ExtendWith(KafkaTestKit.class)
class SagaStepTimeoutTest {

    @TempDir
    Path workDir;

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private HttpServer inventory;

    @AfterEach
    void stopInventory() {
        release.countDown();
        if (inventory != null) {
            inventory.stop(0);
        }
    }

    @Test
    void shouldCompensateWhenAStepDoesNotAnswerInTime() throws Exception {
        inventory = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        inventory.setExecutor(Executors.newCachedThreadPool());
        inventory.createContext("/inventory/reservations", exchange -> {
            calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            if ("POST".equals(exchange.getRequestMethod())) {
                try {
                    release.await(30, TimeUnit.SECONDS); // slower than the step timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        inventory.start();

        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.inventory.url", "http://127.0.0.1:" + inventory.getAddress().getPort() + "/inventory",
                // the same timeout applies to the payment step before it: 500 ms failed that step instead
                // once, its first call on a fresh hub with the test JVMs sharing 2 cores (2026-12-04)
                "hub.saga.step-timeout-ms", "2000"))) {
            OrderApi orders = new OrderApi(hub);

            String orderId = orders.placeAccepted(OrderApi.order("u-slow", "SKU-1", 1, "3"));

            JsonNode ended = orders.awaitEnded(orderId, Duration.ofSeconds(20));
            assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(ended.get("reason").asText()).isEqualTo("inventory service did not answer in time");
            assertThat(orders.payment(orderId)).as("payment compensated").isEqualTo("CANCELLED");
            await().untilAsserted(() -> assertThat(calls).contains("DELETE /inventory/reservations/" + orderId));
        }
    }
}
