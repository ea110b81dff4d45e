package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import io.integrationhub.hub.infra.EmbeddedKafkaBroker;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka broker stopped and started again (a real KRaft broker of this test's own, same port and
 * log directory) while clients append events ({@code POST /api/events/ledger}: straight to Kafka)
 * and create users ({@code POST /users}: SQL + outbox, Kafka later). While Kafka is down appending
 * answers 503 with Retry-After and stores nothing; creating users goes on (201: the outbox holds the
 * event). Afterwards every event answered 201 is applied once and every user answered 201 reaches
 * the read model once.
 */
@ExtendWith(KafkaTestKit.class) // the hub's defaults name the test kit's cluster; this test overrides them
class KafkaOutageTest {

    @TempDir
    Path workDir;

    @Test
    void shouldLoseNoAcknowledgedEventAcrossABrokerRestart() throws Exception {
        int port = RunningHub.freePort();
        int controllerPort = RunningHub.freePort();
        Path kafkaDir = workDir.resolve("kafka");
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(port, controllerPort, kafkaDir, 3);
        broker.start();

        Queue<String> events = new ConcurrentLinkedQueue<>();
        Queue<String> users = new ConcurrentLinkedQueue<>();
        Map<String, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicBoolean kafkaDown = new AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicInteger usersWhileDown = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(5);
        try (RunningHub hub = RunningHub.start(workDir.resolve("hub"), Map.of(
                "hub.kafka.embedded", "false",
                "hub.kafka.brokers", broker.bootstrapServers(),
                "hub.eventlog.topics", "user-events,order-events,ledger",
                "hub.eventlog.max-block-ms", "1000",
                // an append that Kafka does not take answers 503 once its delivery times out (the
                // default 5 s): 2 s here, so the outage part of the test needs seconds, not 20
                "hub.eventlog.request-timeout-ms", "1000",
                "hub.eventlog.delivery-timeout-ms", "2000"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> hub.get("/observe/health/ready").statusCode() == 200);
            for (int c = 0; c < 3; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int n = 0; sending.get(); n++) {
                        HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/api/events/ledger"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"account-" + client + "-" + n
                                        + "\",\"event\":\"EntryPosted\",\"data\":{\"n\":" + n + "}}")).build());
                        statuses.merge("event " + response.statusCode(), 1, Integer::sum);
                        if (response.statusCode() == 201) {
                            events.add(UserApi.read(response.body()).get("eventId").asText());
                        } else {
                            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                            assertThat(response.headers().firstValue("Retry-After")).isPresent();
                        }
                    }
                    return null;
                });
            }
            for (int c = 0; c < 2; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int n = 0; sending.get(); n++) {
                        HttpResponse<String> response = new UserApi(hub).create(null, "Outage " + client + "-" + n,
                                "outage" + client + "-" + n + "@example.com");
                        statuses.merge("user " + response.statusCode(), 1, Integer::sum);
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
                        users.add(response.headers().firstValue("Location").orElseThrow().substring("/users/".length()));
                        if (kafkaDown.get()) {
                            usersWhileDown.incrementAndGet();
                        }
                        // pacing (about 50 writes/s per client), not a wait for a condition: unpaced, H2
                        // takes ~1,000 users/s and the catch-up after the outage would dominate the test
                        Thread.sleep(20);
                    }
                    return null;
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> events.size() >= 100 && users.size() >= 50);

            broker.stop();
            kafkaDown.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses.getOrDefault("event 503", 0) >= 6
                    && usersWhileDown.get() >= 20);
            kafkaDown.set(false);
            broker = new EmbeddedKafkaBroker(port, controllerPort, kafkaDir, 3);
            broker.start();

            int eventsBefore = events.size();
            await().atMost(Duration.ofSeconds(60)).until(() -> events.size() >= eventsBefore + 100);
            sending.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            List<String> eventIds = new ArrayList<>(events);
            List<String> userIds = new ArrayList<>(users);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(count(hub, "event_applied", "event_id", eventIds)).as("events applied").isEqualTo(eventIds.size());
                assertThat(count(hub, "user_view", "id", userIds)).as("users in the read model").isEqualTo(userIds.size());
            });
            int appliedOnce = count(hub, "entity_projection", "last_event_id", eventIds);
            System.out.printf("Kafka stopped under load: answers %s; events acknowledged %d, applied %d (once: %d); "
                    + "users acknowledged %d (%d while Kafka was down), in the read model %d%n",
                    new TreeMap<>(statuses), eventIds.size(), count(hub, "event_applied", "event_id", eventIds), appliedOnce,
                    userIds.size(), usersWhileDown.get(), count(hub, "user_view", "id", userIds));
            // one event per entity: an event applied twice would show as an event count of 2
            assertThat(appliedOnce).as("entities whose single event was applied once").isEqualTo(eventIds.size());
            assertThat(query(hub, "SELECT COUNT(*) FROM entity_projection WHERE topic = 'ledger' AND event_count <> 1")).isZero();
            assertThat(query(hub, "SELECT COUNT(*) FROM user_view WHERE version <> 1")).as("users applied once").isZero();
        } finally {
            sending.set(false);
            clients.shutdownNow();
            broker.stop();
        }
    }

    private static int count(RunningHub hub, String table, String column, List<String> ids) throws Exception {
        int total = 0;
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            total += query(hub, "SELECT COUNT(*) FROM " + table + " WHERE " + column + " IN ('" + String.join("','", chunk) + "')");
        }
        return total;
    }

    private static int query(RunningHub hub, String sql) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
