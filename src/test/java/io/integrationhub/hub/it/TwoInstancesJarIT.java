package io.integrationhub.hub.it;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import io.integrationhub.hub.testkit.WebSocketClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two jars on one PostgreSQL schema and one Kafka cluster, as the README's scale-out section runs
 * them: N writes spread over both give exactly N records on the user topic (one outbox relay), N
 * rows in the read model, and every WebSocket client, whichever instance it is connected to, all
 * N events once. Then the instance holding the relay lease is killed with SIGKILL while writes go
 * on: the survivor takes the relay over within the lease time, no acknowledged write's event is
 * missing and the read model holds each user once.
 */
@ExtendWith(KafkaTestKit.class)
class TwoInstancesJarIT {

    private static final int LEASE_MS = 3000;

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    private final String schema = LocalServices.uniqueSchema("hub_two");
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String topic = "user-events-" + suffix;

    @AfterEach
    void dropSchema() {
        LocalServices.dropPostgresSchema(schema);
    }

    @Test
    void shouldPublishEachEventOnceFeedEveryClientAndTakeTheRelayOverWhenItsInstanceDies() throws Exception {
        try (HubProcess a = HubProcess.start(dirA, RunningHub.freePort(), settings(), Map.of());
             HubProcess b = HubProcess.start(dirB, RunningHub.freePort(), settings(), Map.of())) {
            a.awaitReady(Duration.ofSeconds(90));
            b.awaitReady(Duration.ofSeconds(90));
            int n = 100;
            int writesBeforeKill;
            try (WebSocketClient wsA = WebSocketClient.connect(ws(a)); WebSocketClient wsB = WebSocketClient.connect(ws(b))) {
                // each instance's feed reads from the newest record once Kafka has assigned it its
                // partitions: write until both sockets have had a frame, then let the warm-up settle
                List<String> warmUps = new ArrayList<>();
                boolean[] saw = new boolean[2];
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    warmUps.add(create(a, "warm-up"));
                    saw[0] |= drained(wsA) > 0;
                    saw[1] |= drained(wsB) > 0;
                    return saw[0] && saw[1];
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> readModelUsers() == warmUps.size());
                drained(wsA);
                drained(wsB);
                int w = warmUps.size();

                List<String> ids = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ids.add(create(i % 2 == 0 ? a : b, "u" + i));
                }

                await().atMost(Duration.ofSeconds(60)).until(() -> records().size() >= w + n);
                assertThat(records()).as("records on %s: one per write", topic).hasSize(w + n);
                assertThat(frames(wsA, n)).as("frames on instance A's socket").containsExactlyInAnyOrderElementsOf(ids);
                assertThat(frames(wsB, n)).as("frames on instance B's socket").containsExactlyInAnyOrderElementsOf(ids);
                await().atMost(Duration.ofSeconds(30)).until(() -> readModelUsers() == w + n);
                writesBeforeKill = w + n;
            }

            // kill the relay's instance while both keep accepting writes
            HubProcess holder = instanceOf(relayOwner(), a, b);
            HubProcess survivor = holder == a ? b : a;
            List<String> acknowledged = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                acknowledged.add(create(holder, "before-kill-" + i));
            }
            holder.kill();
            long killedAt = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                acknowledged.add(create(survivor, "after-kill-" + i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> relayOwner() != null
                    && !relayOwner().contains("-" + holder.process().pid() + "-"));
            await().atMost(Duration.ofSeconds(30)).until(() -> userIdsOf(records()).containsAll(acknowledged));
            long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            System.out.printf("relay taken over and every acknowledged event published %d ms after the SIGKILL "
                    + "(lease %d ms)%n", takeoverMs, LEASE_MS);
            assertThat(takeoverMs).as("takeover within the documented 15 s").isLessThan(15_000);
            int before = writesBeforeKill;
            await().atMost(Duration.ofSeconds(30)).until(() -> readModelUsers() == before + acknowledged.size());
        }
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>();
        settings.putAll(LocalServices.postgresHubSettings(schema));
        settings.putAll(KafkaTestKit.hubSettings());
        settings.put("hub.eventlog.topics", topic + ",order-events-" + suffix);
        settings.put("hub.eventlog.group", "eventlog-" + suffix);
        settings.put("hub.cqrs.topic", topic);
        settings.put("hub.cqrs.projector.group", "projector-" + suffix);
        settings.put("hub.saga.topic", "order-events-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        settings.put("hub.cluster.lease-ms", String.valueOf(LEASE_MS));
        settings.put("hub.routes.reload.enabled", "false");
        return settings;
    }

    /** POST /users; returns the new user's id (the write must be acknowledged). */
    private static String create(HubProcess hub, String name) {
        HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/users"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"email\":\"" + name + "-"
                        + UUID.randomUUID().toString().substring(0, 6) + "@example.com\"}")).build());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return UserApi.read(response.body()).get("id").asText();
    }

    private static URI ws(HubProcess hub) {
        return URI.create(hub.uri("/ws/users").toString().replaceFirst("^http", "ws"));
    }

    /** Takes every frame the client has received until none comes for a second; returns how many. */
    private static int drained(WebSocketClient client) throws InterruptedException {
        int frames = 0;
        while (client.next(1) != null) {
            frames++;
        }
        return frames;
    }

    /** The user ids of the next {@code n} frames (and that no further frame follows at once). */
    private static List<String> frames(WebSocketClient client, int n) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String frame = client.next(30);
            assertThat(frame).as("frame %d of %d", i + 1, n).isNotNull();
            ids.add(UserApi.read(frame).path("data").path("id").asText());
        }
        assertThat(client.next(1)).as("no frame beyond the writes").isNull();
        return ids;
    }

    private List<ConsumerRecord<String, String>> records() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(2)) {
                var batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    batch.forEach(records::add);
                    quietSince = System.nanoTime();
                }
            }
        }
        return records;
    }

    /** The user ids the records tell of (the record key). */
    private static Set<String> userIdsOf(List<ConsumerRecord<String, String>> records) {
        Set<String> ids = new HashSet<>();
        records.forEach(r -> ids.add(r.key()));
        return ids;
    }

    private String relayOwner() throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement("SELECT owner FROM " + schema + ".hub_lease WHERE name = 'outbox-relay'");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private int readModelUsers() throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement("SELECT count(*), count(DISTINCT id) FROM " + schema + ".user_view");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).as("each user once in the read model").isEqualTo(rs.getInt(2));
            return rs.getInt(1);
        }
    }

    private static HubProcess instanceOf(String owner, HubProcess a, HubProcess b) {
        assertThat(owner).isNotNull();
        return owner.contains("-" + a.process().pid() + "-") ? a : b;
    }
}
