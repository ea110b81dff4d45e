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
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On the embedded H2 default: users committed whose events were never published (the hub stopped
 * between commit and publish; simulated by running the first hub with its relay off) are
 * published after the restart, each once, and reach the read model.
 */
@ExtendWith(KafkaTestKit.class)
class CqrsOutboxRestartTest {

    @TempDir
    Path workDir;

    @Test
    void shouldPublishAfterARestartWhatWasCommittedButNotPublished() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "user-events-restart-" + suffix;
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", topic + ",order-events-restart-" + suffix);
        settings.put("hub.saga.topic", "order-events-restart-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        settings.put("hub.eventlog.group", "restart-" + suffix);
        settings.put("hub.cqrs.topic", topic);
        settings.put("hub.cqrs.projector.group", "restart-projector-" + suffix);
        settings.put("hub.outbox.relay-enabled", "false");
        List<String> ids = new ArrayList<>();

        try (RunningHub hub = RunningHub.start(workDir, settings)) {
            UserApi users = new UserApi(hub);
            for (int i = 0; i < 3; i++) {
                String id = "restart-" + i + "-" + suffix;
                assertThat(users.create(id, "Committed " + i, id + "@example.com").statusCode()).isEqualTo(201);
                ids.add(id);
            }
            assertThat(pending(hub)).isEqualTo(3);
        }

        settings.put("hub.outbox.relay-enabled", "true");
        try (RunningHub hub = RunningHub.start(workDir, settings)) {
            UserApi users = new UserApi(hub);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (String id : ids) {
                    assertThat(users.user(id).path("id").asText()).isEqualTo(id);
                }
            });
            assertThat(pending(hub)).isZero();
        }
        assertThat(readKeys(topic, 3)).containsExactlyInAnyOrderElementsOf(ids);
    }

    private static long pending(RunningHub hub) throws Exception {
        try (Connection c = DataSourceConfiguration.dataSource(hub.context()).getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM outbox WHERE published_at IS NULL")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> readKeys(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "restart-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    keys.add(r.key());
                }
                return keys.size() >= expected;
            });
            consumer.poll(Duration.ofSeconds(1)).forEach(r -> keys.add(r.key()));
        }
        return keys;
    }
}
