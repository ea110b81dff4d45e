package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PostgreSQL drops the hub's connections (pg_terminate_backend, five times) while four clients
 * create users: a write caught by it is answered 503 with Retry-After, never another 5xx; every
 * user answered 201 is in the database afterwards; the hub serves again on new connections.
 */
@ExtendWith(KafkaTestKit.class)
class PostgresConnectionsDroppedTest {

    @TempDir
    Path workDir;

    private final String schema = LocalServices.uniqueSchema("hub_pgdrop");
    private final String application = "hub-pgdrop-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void dropSchema() {
        LocalServices.dropPostgresSchema(schema);
    }

    @Test
    void shouldLoseNoAcknowledgedWriteAndAnswer503WhileConnectionsAreDropped() throws Exception {
        Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.datasource.url", LocalServices.postgresUrl() + "?ApplicationName=" + application,
                "hub.datasource.username", LocalServices.postgresUser(),
                "hub.datasource.schema", schema))) {
            for (int c = 0; c < 4; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int n = 0; sending.get(); n++) {
                        HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/users"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Drop\",\"email\":\"drop" + client
                                        + "-" + n + "@example.com\"}")).build());
                        statuses.merge(response.statusCode(), 1, Integer::sum);
                        if (response.statusCode() == 201) {
                            acknowledged.add(response.headers().firstValue("Location").orElseThrow().substring(7));
                        } else if (response.statusCode() == 503) {
                            assertThat(response.headers().firstValue("Retry-After")).isPresent();
                        }
                    }
                    return null;
                });
            }
            int dropped = 0;
            for (int round = 0; round < 5; round++) {
                int before = acknowledged.size();
                await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= before + 50);
                dropped += terminateHubConnections();
            }
            int before = acknowledged.size();
            await("writes succeed again").atMost(Duration.ofSeconds(30))
                    .until(() -> acknowledged.size() >= before + 50);
            sending.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

            Set<String> stored = storedUserIds();
            Set<String> lost = new HashSet<>(acknowledged);
            lost.removeAll(stored);
            System.out.printf("PostgreSQL connections dropped: %d backends terminated in 5 rounds; answers %s; "
                    + "acknowledged %d, stored %d, lost %d%n", dropped, new TreeMap<>(statuses), acknowledged.size(),
                    stored.size(), lost.size());
            assertThat(lost).as("acknowledged but not stored").isEmpty();
            assertThat(statuses.keySet()).as("answers").isSubsetOf(201, 503);
            assertThat(dropped).isPositive();
        }
    }

    private int terminateHubConnections() throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, application);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private Set<String> storedUserIds() throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             ResultSet rs = c.createStatement().executeQuery("SELECT id FROM " + schema + ".user_account")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }
}
