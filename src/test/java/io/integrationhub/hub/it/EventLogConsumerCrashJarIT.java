package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.integrationhub.hub.testkit.HubMetrics;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event-log consumer killed (SIGKILL) mid-stream: records applied whose offsets were not yet
 * committed are delivered again to the restarted jar, and the projection applies each event once
 * (by eventId). Every record on the topic is applied, none twice: each entity's event count is
 * exactly the number of its records.
 */
@ExtendWith(KafkaTestKit.class)
class EventLogConsumerCrashJarIT {

    private static final int ENTITIES = 300;
    private static final int EVENTS_PER_ENTITY = 20;
    private static final int RECORDS = ENTITIES * EVENTS_PER_ENTITY;

    @TempDir
    Path workDir;

    @Test
    void shouldApplyEveryRecordOnceAcrossASigkillOfTheConsumer() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "ledger-crash-" + suffix;
        String schema = LocalServices.uniqueSchema("hub_eventlog_crash");
        Map<String, String> settings = new HashMap<>();
        settings.putAll(LocalServices.postgresHubSettings(schema));
        settings.putAll(KafkaTestKit.hubSettings());
        settings.put("hub.eventlog.topics", "user-events-" + suffix + ",order-events-" + suffix + "," + topic);
        settings.put("hub.cqrs.topic", "user-events-" + suffix);
        settings.put("hub.saga.topic", "order-events-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        settings.put("hub.cqrs.projector.group", "projector-" + suffix);
        settings.put("hub.eventlog.group", "crash-" + suffix);
        try {
            try (HubProcess hub = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                hub.awaitReady(Duration.ofSeconds(90));
                produce(topic);
                // kill while the consumers are in the middle of the topic
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> applied(schema, topic) >= RECORDS / 4);
                hub.kill();
            }
            int beforeKill = applied(schema, topic);
            assertThat(beforeKill).as("killed mid-stream").isLessThan(RECORDS);

            try (HubProcess restarted = HubProcess.start(workDir.resolve("second"), RunningHub.freePort(), settings, Map.of())) {
                restarted.awaitReady(Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(90)).until(() -> applied(schema, topic) == RECORDS);
                int entities = query(schema, "SELECT COUNT(*) FROM entity_projection WHERE topic = '" + topic + "'");
                int wrongCounts = query(schema, "SELECT COUNT(*) FROM entity_projection WHERE topic = '" + topic
                        + "' AND event_count <> " + EVENTS_PER_ENTITY);
                long redelivered = HubMetrics.sum(restarted.send(java.net.http.HttpRequest.newBuilder(
                        restarted.uri("/observe/metrics")).build()).body(), "hub_messages_duplicates_total", "eventlog-" + topic);
                System.out.printf("Event-log consumer SIGKILL mid-stream: records %d, applied before the kill %d, "
                        + "applied after the restart %d, delivered again and ignored %d, lost %d, entities with a "
                        + "wrong event count %d%n",
                        RECORDS, beforeKill, applied(schema, topic), redelivered, RECORDS - applied(schema, topic), wrongCounts);
                assertThat(entities).isEqualTo(ENTITIES);
                assertThat(wrongCounts).as("entities whose events were applied other than once each").isZero();
                // the last event applied per entity is its last record: order within a key survived the crash
                assertThat(query(schema, "SELECT COUNT(*) FROM entity_projection WHERE topic = '" + topic
                        + "' AND last_data NOT LIKE '%\"n\":" + (EVENTS_PER_ENTITY - 1) + "}%'")).isZero();
            }
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static void produce(String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int n = 0; n < EVENTS_PER_ENTITY; n++) {
                for (int e = 0; e < ENTITIES; e++) {
                    String value = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"event\":\"EntryPosted\",\"occurredAt\":\""
                            + Instant.now() + "\",\"data\":{\"n\":" + n + "}}";
                    producer.send(new ProducerRecord<>(topic, "account-" + e, value));
                }
            }
            producer.flush();
        }
    }

    private static int applied(String schema, String topic) throws Exception {
        return query(schema, "SELECT COUNT(*) FROM event_applied WHERE topic = '" + topic + "'");
    }

    private static int query(String schema, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
