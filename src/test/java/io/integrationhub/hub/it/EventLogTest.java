package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The event log against the in-JVM Kafka of the test kit: envelope, per-key order, idempotence, dead letters, restart, replay. */
@ExtendWith(KafkaTestKit.class)
class EventLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "user-events-it-" + SUFFIX;

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startHub() {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", TOPIC + ",order-events-it-" + SUFFIX);
        settings.put("hub.saga.topic", "order-events-it-" + SUFFIX);
        settings.put("hub.saga.choreography.group", "choreo-" + SUFFIX);
        settings.put("hub.eventlog.group", "it-" + SUFFIX);
        settings.put("hub.eventlog.max-attempts", "2");
        settings.put("hub.cqrs.topic", TOPIC);
        settings.put("hub.cqrs.projector.group", "it-projector-" + SUFFIX);
        hub = RunningHub.start(workDir, settings);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        await().untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200));
    }

    @AfterAll
    static void stopHub() {
        if (producer != null) {
            producer.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldStoreTheContractsEnvelopeKeyedByEntityId() throws Exception {
        String key = "user-" + UUID.randomUUID();
        JsonNode stored = append(key, "EntityCreated", "{\"name\":\"Ada\"}");

        ConsumerRecord<String, String> record = readBack(stored.get("partition").asInt(), stored.get("offset").asLong());
        assertThat(record.key()).isEqualTo(key);
        JsonNode value = JSON.readTree(record.value());
        assertThat(UUID.fromString(value.get("eventId").asText()).toString()).isEqualTo(stored.get("eventId").asText());
        assertThat(value.get("event").asText()).isEqualTo("EntityCreated");
        assertThat(Instant.parse(value.get("occurredAt").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(value.get("data").get("name").asText()).isEqualTo("Ada");
    }

    @Test
    void shouldApplyTheEventsOfOneEntityInTheOrderTheyWereWritten() throws Exception {
        String a = "user-" + UUID.randomUUID();
        String b = "user-" + UUID.randomUUID();
        List<String> orderOfA = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            orderOfA.add(append(a, "EntityUpdated", "{\"n\":" + i + "}").get("eventId").asText());
            append(b, "EntityUpdated", "{\"n\":" + i + "}");
        }

        await().until(() -> count("event_applied WHERE entity_id = '" + a + "'") == 30);
        assertThat(column("SELECT event_id FROM event_applied WHERE entity_id = '" + a + "' ORDER BY applied_seq"))
                .containsExactlyElementsOf(orderOfA);
        assertThat(column("SELECT last_event_id FROM entity_projection WHERE entity_id = '" + a + "'"))
                .containsExactly(orderOfA.get(29));
    }

    @Test
    void shouldChangeNothingWhenTheSameEventIsDeliveredTwice() throws Exception {
        String key = "user-" + UUID.randomUUID();
        String envelope = envelope(UUID.randomUUID().toString(), "EntityCreated");
        producer.send(new ProducerRecord<>(TOPIC, key, envelope)).get();
        producer.send(new ProducerRecord<>(TOPIC, key, envelope)).get();
        String marker = envelope(UUID.randomUUID().toString(), "EntityUpdated");
        producer.send(new ProducerRecord<>(TOPIC, key, marker)).get();

        await().until(() -> "EntityUpdated".equals(single("SELECT last_event_type FROM entity_projection WHERE entity_id = '" + key + "'")));
        assertThat(single("SELECT event_count FROM entity_projection WHERE entity_id = '" + key + "'")).isEqualTo("2");
        assertThat(count("event_applied WHERE entity_id = '" + key + "'")).isEqualTo(2);
    }

    @Test
    void shouldDeadLetterAPoisonRecordAndGoOnWithTheNext() throws Exception {
        String key = "user-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(TOPIC, key, "this is not an event")).get();
        producer.send(new ProducerRecord<>(TOPIC, key, envelope(UUID.randomUUID().toString(), "EntityCreated"))).get();

        await().until(() -> count("event_applied WHERE entity_id = '" + key + "'") == 1);
        ConsumerRecord<String, String> dead = awaitDeadLetter(key);
        assertThat(dead.value()).isEqualTo("this is not an event");
        assertThat(new String(dead.headers().lastHeader("x-failure-reason").value())).contains("not an event envelope");
        assertThat(hub.get("/observe/metrics").body())
                .contains("hub_messages_dead_lettered_total{destination=\"" + TOPIC + ".dlt\",route=\"eventlog-" + TOPIC + "\"}");
    }

    @Test
    void shouldLoseNothingAcrossAConsumerRestart() throws Exception {
        String key = "user-" + UUID.randomUUID();
        append(key, "EntityCreated", "{}");
        await().until(() -> count("event_applied WHERE entity_id = '" + key + "'") == 1);

        hub.context().getRouteController().stopRoute("eventlog-" + TOPIC);
        for (int i = 0; i < 10; i++) {
            append(key, "EntityUpdated", "{\"n\":" + i + "}");
        }
        hub.context().getRouteController().startRoute("eventlog-" + TOPIC);

        await().until(() -> count("event_applied WHERE entity_id = '" + key + "'") == 11);
        assertThat(single("SELECT event_count FROM entity_projection WHERE entity_id = '" + key + "'")).isEqualTo("11");
    }

    @Test
    void shouldRebuildTheSameStateOnReplay() throws Exception {
        for (int i = 0; i < 5; i++) {
            String key = "user-" + UUID.randomUUID();
            append(key, "EntityCreated", "{}");
            append(key, "EntityUpdated", "{\"n\":" + i + "}");
        }
        await().until(() -> hub.context().getRouteController().getRouteStatus("eventlog-" + TOPIC).isStarted()
                && lagIsZero());
        List<String> before = projection();
        int applied = count("event_applied WHERE topic = '" + TOPIC + "'");

        HttpResponse<String> replay = hub.send(hub.adminRequest("/admin/replay/" + TOPIC)
                .POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(replay.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("event_applied WHERE topic = '" + TOPIC + "'") == applied);
        await().untilAsserted(() -> assertThat(projection()).isEqualTo(before));
    }

    /**
     * A steady stream that never pauses long enough for a poll to come back empty, and never fills a
     * batch (fewer records than hub.eventlog.max-poll-records): its first record is applied while the
     * stream still runs. camel-kafka 4.17 dispatches a partial batch only after an empty poll or at
     * batchingIntervalMs; without that setting the record waited for the stream to end.
     */
    @Test
    void shouldApplyTheRecordsOfASteadyStreamWhileItRuns() throws Exception {
        String key = "user-" + UUID.randomUUID();
        int records = 450; // under the batch size of 500
        long slotNanos = TimeUnit.MILLISECONDS.toNanos(3);
        long next = System.nanoTime();
        int sentWhenApplied = -1;
        for (int i = 0; i < records && sentWhenApplied < 0; i++) {
            producer.send(new ProducerRecord<>(TOPIC, key, envelope(UUID.randomUUID().toString(), "EntityUpdated"))).get();
            if (count("event_applied WHERE entity_id = '" + key + "'") > 0) {
                sentWhenApplied = i + 1;
            }
            // the stream's pace (one record per 3 ms), not a wait for a condition
            next += slotNanos;
            LockSupport.parkNanos(next - System.nanoTime());
        }
        System.out.printf("steady stream: first record applied when %d of at most %d were sent%n", sentWhenApplied, records);
        assertThat(sentWhenApplied).as("records sent when the first was applied (-1: not before the stream ended)")
                .isPositive();
        int sent = sentWhenApplied;
        await().until(() -> count("event_applied WHERE entity_id = '" + key + "'") == sent);
    }

    @Test
    void shouldRefuseAnUnknownTopicAndABadEvent() {
        ProblemAssert.assertProblem(post("/api/events/no-such-topic", "{\"key\":\"k\",\"event\":\"X\",\"data\":{}}"), 404,
                "/api/events/no-such-topic");
        JsonNode problem = ProblemAssert.assertProblem(post("/api/events/" + TOPIC, "{\"event\":\"X\",\"data\":{}}"), 400,
                "/api/events/" + TOPIC);
        assertThat(problem.get("errors").toString()).contains("key");
    }

    /** The consumer group has committed every record written so far: nothing left to apply. */
    private static boolean lagIsZero() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaTestKit.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("it-" + SUFFIX + "-" + TOPIC)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                latest.put(new TopicPartition(TOPIC, i), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            for (var e : ends.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                long done = c == null ? 0 : c.offset();
                if (done < e.getValue().offset()) {
                    return false;
                }
            }
            return true;
        }
    }

    private static JsonNode append(String key, String event, String data) throws Exception {
        HttpResponse<String> response = post("/api/events/" + TOPIC,
                "{\"key\":\"" + key + "\",\"event\":\"" + event + "\",\"data\":" + data + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String path, String body) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String envelope(String eventId, String event) {
        return "{\"eventId\":\"" + eventId + "\",\"event\":\"" + event + "\",\"occurredAt\":\"" + Instant.now()
                + "\",\"data\":{}}";
    }

    private static ConsumerRecord<String, String> readBack(int partition, long offset) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            var tp = new TopicPartition(TOPIC, partition);
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            ConsumerRecord<String, String>[] found = new ConsumerRecord[1];
            await().until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() == offset) {
                        found[0] = r;
                    }
                }
                return found[0] != null;
            });
            return found[0];
        }
    }

    private static ConsumerRecord<String, String> awaitDeadLetter(String key) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(TOPIC + ".dlt"));
            ConsumerRecord<String, String>[] found = new ConsumerRecord[1];
            await().until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    // the CQRS projector reads the same topic and dead-letters the same poison: keep ours
                    var route = r.headers().lastHeader("x-failed-route");
                    if (key.equals(r.key()) && route != null && new String(route.value()).equals("eventlog-" + TOPIC)) {
                        found[0] = r;
                    }
                }
                return found[0] != null;
            });
            return found[0];
        }
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    private static List<String> projection() throws Exception {
        return column("SELECT entity_id || '|' || event_count || '|' || last_event_id || '|' || last_event_type "
                + "FROM entity_projection WHERE topic = '" + TOPIC + "' ORDER BY entity_id");
    }

    private static int count(String from) throws Exception {
        return Integer.parseInt(single("SELECT COUNT(*) FROM " + from));
    }

    private static String single(String sql) throws Exception {
        List<String> values = column(sql);
        return values.isEmpty() ? null : values.get(0);
    }

    private static List<String> column(String sql) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        List<String> values = new ArrayList<>();
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
