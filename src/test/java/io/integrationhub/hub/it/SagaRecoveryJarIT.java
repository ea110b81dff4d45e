package io.integrationhub.hub.it;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real crash in the middle of a saga: the built jar reserves the payment, waits on an inventory
 * service that does not answer, and is killed with SIGKILL. Restarted on the same data, it finds
 * the saga in its SQL log and compensates it: the order ends CANCELLED, the payment is cancelled
 * and the stock is what it was.
 */
class SagaRecoveryJarIT {

    @TempDir
    Path workDir;

    private final CountDownLatch stockRequested = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer inventory;

    @AfterEach
    void stopInventory() {
        release.countDown();
        if (inventory != null) {
            inventory.stop(0);
        }
    }

    @Test
    void shouldCompensateAfterARestartWhatACrashLeftMidSaga() throws Exception {
        inventory = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        inventory.setExecutor(Executors.newCachedThreadPool());
        inventory.createContext("/inventory/reservations", exchange -> {
            stockRequested.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        inventory.start();

        Map<String, String> settings = new HashMap<>();
        settings.put("hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()));
        settings.put("hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()));
        settings.put("hub.saga.timeout-ms", "5000");
        settings.put("hub.saga.recovery-interval-ms", "1000");
        settings.put("hub.saga.recovery-grace-ms", "1000");
        Map<String, String> crashing = new HashMap<>(settings);
        crashing.put("hub.inventory.url", "http://127.0.0.1:" + inventory.getAddress().getPort() + "/inventory");
        crashing.put("hub.saga.step-timeout-ms", "60000");

        String orderId;
        int stockBefore;
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), crashing, Map.of())) {
            hub.awaitReady(Duration.ofSeconds(60));
            OrderApi orders = new OrderApi(hub);
            stockBefore = orders.stock("SKU-3");
            orderId = orders.placeAccepted(OrderApi.order("u-crash", "SKU-3", 3, "30"));
            assertThat(stockRequested.await(20, TimeUnit.SECONDS)).as("saga reached the stock step").isTrue();
            assertThat(orders.payment(orderId)).isEqualTo("RESERVED");

            hub.process().destroyForcibly(); // SIGKILL: no shutdown hook, the in-memory saga is gone
            assertThat(hub.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        }

        try (HubProcess restarted = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
            restarted.awaitReady(Duration.ofSeconds(60));
            OrderApi orders = new OrderApi(restarted);

            JsonNode ended = orders.awaitEnded(orderId, Duration.ofSeconds(40));

            assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(ended.get("reason").asText()).contains("the hub stopped before the saga ended");
            assertThat(orders.payment(orderId)).as("payment compensated").isEqualTo("CANCELLED");
            assertThat(orders.stock("SKU-3")).isEqualTo(stockBefore);
        }
    }
}
