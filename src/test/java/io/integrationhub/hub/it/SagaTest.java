package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.NatsClient;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import io.nats.client.Message;
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
 * The order saga on a running hub (local PostgreSQL, the test kit's Kafka, the local NATS) with
 * its stand-in payment and inventory services: given an order, when it is placed, then each
 * outcome is what a client, the services and the event consumers see.
 */
@ExtendWith(KafkaTestKit.class)
class SagaTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String ORDER_TOPIC = "order-events-saga-" + SUFFIX;
    private static final String SCHEMA = LocalServices.uniqueSchema("hub_saga");
    private static final Duration ENDS_WITHIN = Duration.ofSeconds(20);

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static OrderApi orders;
    private static NatsClient nats;
    private static List<Message> ordersCreated;

    @BeforeAll
    static void startHub() throws Exception {
        LocalServices.require(LocalServices.Service.POSTGRES);
        LocalServices.require(LocalServices.Service.NATS);
        nats = new NatsClient();
        ordersCreated = nats.collect(nats.subject());
        Map<String, String> settings = new HashMap<>(nats.hubSettings());
        settings.put("hub.datasource.url", LocalServices.postgresUrl());
        settings.put("hub.datasource.username", LocalServices.postgresUser());
        settings.put("hub.datasource.schema", SCHEMA);
        settings.put("hub.eventlog.topics", "user-events-saga-" + SUFFIX + "," + ORDER_TOPIC);
        settings.put("hub.eventlog.group", "saga-" + SUFFIX);
        settings.put("hub.cqrs.topic", "user-events-saga-" + SUFFIX);
        settings.put("hub.cqrs.projector.group", "saga-projector-" + SUFFIX);
        settings.put("hub.saga.topic", ORDER_TOPIC);
        // 200 orders at once on 2 busy cores: once (under JaCoCo's agent, three test JVMs) 192 of them were
        // cancelled with 42 of the 50 in stock left, most likely by the 3 s step time limit and the breakers
        // that count timed-out and slow calls (the run did not show the reasons). Time limits and breakers are
        // SagaStepTimeoutTest's and CircuitBreakerTest's subject: here they are wide enough not to decide an order.
        settings.put("hub.saga.step-timeout-ms", "15000");
        for (String service : List.of("payment", "inventory")) {
            settings.put("hub.breaker." + service + ".timeout-ms", "15000");
            settings.put("hub.breaker." + service + ".slow-call-duration-ms", "15000");
        }
        hub = RunningHub.start(workDir, settings);
        orders = new OrderApi(hub);
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (nats != null) {
            nats.close();
        }
        LocalServices.dropPostgresSchema(SCHEMA);
    }

    @Test
    void shouldConfirmAnOrderWhenPaymentAndStockAreReserved() throws Exception {
        int stockBefore = orders.stock("SKU-1");

        HttpResponse<String> placed = orders.place(OrderApi.order("u-ok", "SKU-1", 2, "12.50"));

        assertThat(placed.statusCode()).isEqualTo(202);
        JsonNode accepted = UserApi.read(placed.body());
        assertThat(accepted.get("status").asText()).isEqualTo("PENDING");
        String orderId = accepted.get("orderId").asText();
        JsonNode ended = orders.awaitEnded(orderId, ENDS_WITHIN);
        assertThat(ended.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(ended.has("reason")).isFalse();
        assertThat(ended.get("steps").toString()).contains("\"step\":\"PAYMENT\",\"status\":\"RESERVED\"")
                .contains("\"step\":\"STOCK\",\"status\":\"RESERVED\"");
        assertThat(orders.payment(orderId)).isEqualTo("RESERVED");
        assertThat(orders.stock("SKU-1")).isEqualTo(stockBefore - 2);

        JsonNode event = UserApi.read(awaitEvent(orderId, "OrderConfirmed").value());
        assertThat(event.get("data").get("amount").decimalValue()).isEqualByComparingTo("12.50");
        await().atMost(ENDS_WITHIN).until(() -> ordersCreated.stream()
                .anyMatch(m -> new String(m.getData()).contains(orderId)));
        await().atMost(ENDS_WITHIN).untilAsserted(() -> assertThat(hub.get("/api/pubsub/orders/" + orderId + "/deliveries").body())
                .contains("analytics").contains("audit").contains("notifications"));
    }

    @Test
    void shouldAnswerTheStandInsReadsFromTheirYamlQueriesAnd404ForWhatIsNotThere() throws Exception {
        // routes/samples/*.yaml: the reads are camel-sql queries in the YAML; a row as JSON, none a 404 problem
        JsonNode stock = UserApi.read(hub.get("/samples/inventory/stock/SKU-3").body());
        assertThat(stock.get("sku").asText()).isEqualTo("SKU-3");
        assertThat(stock.get("available").isInt()).as("%s", stock).isTrue();
        assertThat(ProblemAssert.assertProblem(hub.get("/samples/inventory/stock/NO-SUCH-SKU"), 404,
                "/samples/inventory/stock/NO-SUCH-SKU").get("detail").asText()).isEqualTo("no SKU NO-SUCH-SKU");

        String orderId = UserApi.read(orders.place(OrderApi.order("u-read", "SKU-3", 1, "4.20")).body()).get("orderId").asText();
        orders.awaitEnded(orderId, ENDS_WITHIN);
        JsonNode reservation = UserApi.read(hub.get("/samples/payment/reservations/" + orderId).body());
        assertThat(reservation.get("orderId").asText()).isEqualTo(orderId);
        assertThat(reservation.get("userId").asText()).isEqualTo("u-read");
        assertThat(reservation.get("amount").decimalValue()).isEqualByComparingTo("4.20");
        assertThat(reservation.get("status").asText()).isEqualTo("RESERVED");
        assertThat(ProblemAssert.assertProblem(hub.get("/samples/payment/reservations/no-such-order"), 404,
                "/samples/payment/reservations/no-such-order").get("detail").asText())
                .isEqualTo("no payment reservation for order no-such-order");
    }

    @Test
    void shouldKeepThePaymentStandInsContractNowThatItIsSqlInItsYaml() throws Exception {
        // routes/samples/payment.camel.yaml, called as the saga calls it: reserve and cancel are idempotent,
        // a cancel before the reservation refuses it, the limit refuses with 402, a bad body is a 400 problem
        String path = "/samples/payment/reservations";
        String reserved = "pay-" + UUID.randomUUID();
        HttpResponse<String> first = post(path, "{\"orderId\":\"" + reserved + "\",\"userId\":\"u-p\",\"amount\":10.5,\"items\":[]}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(UserApi.read(first.body()).get("status").asText()).isEqualTo("RESERVED");
        assertThat(post(path, "{\"orderId\":\"" + reserved + "\",\"userId\":\"u-p\",\"amount\":10.5}").statusCode())
                .as("reserved again: the same answer").isEqualTo(201);
        JsonNode row = UserApi.read(hub.get(path + "/" + reserved).body());
        assertThat(row.get("amount").decimalValue()).isEqualByComparingTo("10.50");
        assertThat(row.get("userId").asText()).isEqualTo("u-p");

        String above = "pay-" + UUID.randomUUID();
        assertThat(ProblemAssert.assertProblem(post(path, "{\"orderId\":\"" + above + "\",\"userId\":\"u-p\",\"amount\":1000.01}"),
                402, path).get("detail").asText()).isEqualTo("amount 1000.01 exceeds the limit of 1000.00 of user u-p");
        assertThat(hub.get(path + "/" + above).statusCode()).as("nothing reserved").isEqualTo(404);
        assertThat(post(path, "{\"orderId\":\"" + above + "\",\"userId\":\"u-p\",\"amount\":1000}").statusCode())
                .as("at the limit").isEqualTo(201);

        String early = "pay-" + UUID.randomUUID();
        HttpResponse<String> cancelled = delete(path + "/" + early);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(UserApi.read(cancelled.body()).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(ProblemAssert.assertProblem(post(path, "{\"orderId\":\"" + early + "\",\"userId\":\"u-p\",\"amount\":1}"),
                409, path).get("detail").asText()).isEqualTo("the payment of order " + early + " was cancelled");

        assertThat(delete(path + "/" + reserved).statusCode()).isEqualTo(200);
        assertThat(delete(path + "/" + reserved).statusCode()).as("cancelled again").isEqualTo(200);
        assertThat(UserApi.read(hub.get(path + "/" + reserved).body()).get("status").asText()).isEqualTo("CANCELLED");

        assertThat(ProblemAssert.assertProblem(post(path, "{\"orderId\":\"x\"}"), 400, path).toString())
                .contains("userId").contains("amount");
    }

    private static HttpResponse<String> post(String path, String json) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static HttpResponse<String> delete(String path) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).DELETE().build());
    }

    @Test
    void shouldCancelWithTheReasonAndReserveNothingWhenPaymentIsRefused() {
        int stockBefore = orders.stock("SKU-1");

        String orderId = orders.placeAccepted(OrderApi.order("u-rich", "SKU-1", 1, "1000.01"));

        JsonNode ended = orders.awaitEnded(orderId, ENDS_WITHIN);
        assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(ended.get("reason").asText()).contains("payment service refused").contains("limit of 1000.00");
        assertThat(orders.payment(orderId)).isEqualTo("CANCELLED");
        assertThat(orders.stock("SKU-1")).isEqualTo(stockBefore);
        JsonNode cancelled = UserApi.read(awaitEvent(orderId, "OrderCancelled").value()).get("data");
        assertThat(cancelled.get("orderId").asText()).isEqualTo(orderId);
        assertThat(cancelled.get("reason").asText()).isEqualTo(ended.get("reason").asText());
    }

    @Test
    void shouldCompensateThePaymentWhenStockIsShort() {
        int stockBefore = orders.stock("SKU-2");

        String orderId = orders.placeAccepted(OrderApi.order("u-short", "SKU-2", stockBefore + 1, "5"));

        JsonNode ended = orders.awaitEnded(orderId, ENDS_WITHIN);
        assertThat(ended.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(ended.get("reason").asText()).contains("stock short for SKU-2");
        assertThat(orders.payment(orderId)).as("payment compensated").isEqualTo("CANCELLED");
        assertThat(orders.stock("SKU-2")).isEqualTo(stockBefore);
        assertThat(ended.get("steps").toString()).contains("\"step\":\"PAYMENT\",\"status\":\"COMPENSATED\"");
        awaitEvent(orderId, "OrderCancelled");
    }

    @Test
    void shouldNeverOversellUnder200ConcurrentOrders() throws Exception {
        String sku = "SKU-LIMITED-" + SUFFIX;
        int stock = 50;
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "")) {
            c.createStatement().executeUpdate("INSERT INTO " + SCHEMA + ".sample_inventory_stock (sku, available) VALUES ('"
                    + sku + "', " + stock + ")");
        }
        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<CompletableFuture<String>> placed = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            placed.add(CompletableFuture.supplyAsync(() -> orders.placeAccepted(OrderApi.order("u-crowd", sku, 1, "1")), clients));
        }
        List<String> ids = placed.stream().map(CompletableFuture::join).toList();
        clients.shutdown();

        List<JsonNode> ended = ids.stream().map(id -> orders.awaitEnded(id, Duration.ofSeconds(90))).toList();
        long confirmed = ended.stream().filter(o -> "CONFIRMED".equals(o.get("status").asText())).count();
        long cancelled = ended.stream().filter(o -> "CANCELLED".equals(o.get("status").asText())).count();

        assertThat(confirmed + cancelled).isEqualTo(200);
        assertThat(orders.stock(sku)).isGreaterThanOrEqualTo(0);
        assertThat(confirmed + orders.stock(sku)).as("stock + confirmed quantities").isEqualTo(stock);
        assertThat(confirmed).as("all the stock sold, no more").isEqualTo(stock);
        assertThat(ended.stream().filter(o -> "CANCELLED".equals(o.get("status").asText())))
                .allSatisfy(o -> assertThat(o.get("reason").asText()).contains("stock short"));
    }

    @Test
    void shouldRefuseABadOrderWithProblemDetails() {
        JsonNode noItems = ProblemAssert.assertProblem(orders.place("{\"userId\":\"u-1\",\"items\":[],\"amount\":1}"),
                400, "/api/orders");
        assertThat(noItems.get("detail").asText()).contains("items");
        ProblemAssert.assertProblem(orders.place("{\"userId\":\"u-1\",\"items\":[{\"sku\":\"SKU-1\",\"quantity\":0}],\"amount\":1}"),
                400, "/api/orders");
        ProblemAssert.assertProblem(orders.place("{\"userId\":\"u-1\",\"items\":[{\"sku\":\"SKU-1\",\"quantity\":1}]}"),
                400, "/api/orders");
        ProblemAssert.assertProblem(orders.place("not json"), 400, "/api/orders");
        ProblemAssert.assertProblem(hub.get("/api/orders/no-such-order"), 404, "/api/orders/no-such-order");
    }

    private static ConsumerRecord<String, String> awaitEvent(String orderId, String type) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "saga-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(ORDER_TOPIC));
            List<ConsumerRecord<String, String>> found = new ArrayList<>();
            await().atMost(ENDS_WITHIN).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (orderId.equals(r.key()) && r.value().contains("\"event\":\"" + type + "\"")) {
                        found.add(r);
                    }
                }
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }
}
