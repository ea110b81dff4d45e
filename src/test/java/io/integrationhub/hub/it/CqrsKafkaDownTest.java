package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.infra.EmbeddedKafkaBroker;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka stopped while users are written (a real broker of its own, stopped and started again on the
 * same port and log directory): every write succeeds, its event waits in the outbox, and once Kafka
 * is back each event is published and applied exactly once.
 */
class CqrsKafkaDownTest {

    private static final int WRITES_WHILE_DOWN = 20;

    @TempDir
    Path workDir;

    private final String schema = LocalServices.uniqueSchema("hub_cqrs_down");

    @AfterEach
    void dropSchema() {
        LocalServices.dropPostgresSchema(schema);
    }

    @Test
    void shouldPublishEveryEventWrittenWhileKafkaWasDownOnceItIsBack() throws Exception {
        LocalServices.require(LocalServices.Service.POSTGRES);
        int port = RunningHub.freePort();
        int controllerPort = RunningHub.freePort();
        Path kafkaDir = workDir.resolve("kafka");
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(port, controllerPort, kafkaDir, 3);
        broker.start();
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.datasource.url", LocalServices.postgresUrl());
        settings.put("hub.datasource.username", LocalServices.postgresUser());
        settings.put("hub.datasource.schema", schema);
        settings.put("hub.kafka.brokers", "localhost:" + port);
        settings.put("hub.outbox.max-block-ms", "1000");
        settings.put("hub.outbox.request-timeout-ms", "1000");
        settings.put("hub.outbox.delivery-timeout-ms", "2000");

        try (RunningHub hub = RunningHub.start(workDir, settings)) {
            UserApi users = new UserApi(hub);
            String first = "before-" + UUID.randomUUID();
            assertThat(users.create(first, "Before", first + "@example.com").statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(users.user(first).isNull()).isFalse());

            broker.stop();
            List<String> written = new ArrayList<>();
            for (int i = 0; i < WRITES_WHILE_DOWN; i++) {
                String id = "down-" + i + "-" + UUID.randomUUID();
                assertThat(users.create(id, "Written while Kafka is down", id + "@example.com").statusCode())
                        .as("the write does not need Kafka").isEqualTo(201);
                written.add(id);
            }
            assertThat(count(hub, "outbox WHERE published_at IS NULL")).isEqualTo(WRITES_WHILE_DOWN);
            assertThat(users.user(written.get(0)).isNull()).isTrue();

            broker = new EmbeddedKafkaBroker(port, controllerPort, kafkaDir, 3);
            broker.start();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(count(hub, "outbox WHERE published_at IS NULL")).isZero();
                assertThat(count(hub, "user_view")).isEqualTo(WRITES_WHILE_DOWN + 1);
            });
            for (String id : written) {
                assertThat(users.user(id).path("id").asText()).isEqualTo(id);
            }
            assertThat(count(hub, "user_view_applied")).isEqualTo(WRITES_WHILE_DOWN + 1);

            List<ConsumerRecord<String, String>> records = readAll("localhost:" + port, WRITES_WHILE_DOWN + 1);
            assertThat(records).extracting(ConsumerRecord::key).containsAll(written);
            assertThat(records.stream().map(r -> UserApi.read(r.value()).get("eventId").asText()).distinct().count())
                    .as("each event on the topic once").isEqualTo(records.size());
        } finally {
            broker.stop();
        }
    }

    private static long count(RunningHub hub, String fromWhere) throws Exception {
        try (Connection c = DataSourceConfiguration.dataSource(hub.context()).getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + fromWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Every record of user-events, read until {@code expected} came and nothing more arrives for a second. */
    private static List<ConsumerRecord<String, String>> readAll(String bootstrap, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "down-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("user-events"));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                return records.size() >= expected;
            });
            consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
        }
        return records;
    }
}
