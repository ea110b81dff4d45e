package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The choreographed saga on the hub's embedded H2 and the test kit's Kafka: the services react to
 * each other's events on order-events, and the inventory emits its own compensating event.
 */
@ExtendWith(KafkaTestKit.class)
class SagaChoreographyTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String ORDER_TOPIC = "order-events-choreo-" + SUFFIX;

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static OrderApi orders;

    @BeforeAll
    static void startHub() {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", "user-events-choreo-" + SUFFIX + "," + ORDER_TOPIC);
        settings.put("hub.eventlog.group", "choreo-eventlog-" + SUFFIX);
        settings.put("hub.cqrs.topic", "user-events-choreo-" + SUFFIX);
        settings.put("hub.cqrs.projector.group", "choreo-projector-" + SUFFIX);
        settings.put("hub.saga.topic", ORDER_TOPIC);
        settings.put("hub.saga.choreography.group", "choreo-" + SUFFIX);
        hub = RunningHub.start(workDir, settings);
        orders = new OrderApi(hub);
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldConfirmThroughTheServicesEvents() {
        int stockBefore = orders.stock("SKU-1");

        String orderId = place(OrderApi.order("u-choreo", "SKU-1", 4, "40"));

        assertThat(orders.awaitEnded(orderId, Duration.ofSeconds(30)).get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(eventsOf(orderId, "OrderConfirmed"))
                .containsExactly("OrderPlaced", "StockReserved", "PaymentReserved", "OrderConfirmed");
        assertThat(orders.stock("SKU-1")).isEqualTo(stockBefore - 4);
        assertThat(orders.payment(orderId)).isEqualTo("RESERVED");
    }

    @Test
    void shouldReleaseTheStockWithItsOwnEventWhenPaymentIsRejected() {
        int stockBefore = orders.stock("SKU-2");

        String orderId = place(OrderApi.order("u-choreo", "SKU-2", 5, "5000"));

        JsonNode ended = orders.awaitEnded(orderId, Duration.ofSeconds(30));
        assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(ended.get("reason").asText()).contains("payment service refused").contains("limit");
        assertThat(eventsOf(orderId, "OrderCancelled"))
                .containsExactly("OrderPlaced", "StockReserved", "PaymentRejected", "StockReleased", "OrderCancelled");
        assertThat(orders.stock("SKU-2")).as("stock released").isEqualTo(stockBefore);
    }

    @Test
    void shouldCancelWithoutPaymentWhenStockIsRejected() {
        String orderId = place(OrderApi.order("u-choreo", "SKU-3", 100_000 / 100, "5"));

        JsonNode ended = orders.awaitEnded(orderId, Duration.ofSeconds(30));
        assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(ended.get("reason").asText()).contains("stock short for SKU-3");
        assertThat(eventsOf(orderId, "OrderCancelled")).containsExactly("OrderPlaced", "StockRejected", "OrderCancelled");
        assertThat(orders.payment(orderId)).as("payment never asked").isNull();
    }

    private static String place(String json) {
        HttpResponse<String> placed = hub.send(HttpRequest.newBuilder(hub.uri("/api/choreography/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
        assertThat(placed.statusCode()).isEqualTo(202);
        return UserApi.read(placed.body()).get("orderId").asText();
    }

    /** The types of the events of one order on order-events, in order, read until {@code last} came. */
    private static List<String> eventsOf(String orderId, String last) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "choreo-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> types = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(ORDER_TOPIC));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (orderId.equals(r.key())) {
                        types.add(UserApi.read(r.value()).get("event").asText());
                    }
                }
                return types.contains(last);
            });
        }
        return types;
    }
}
