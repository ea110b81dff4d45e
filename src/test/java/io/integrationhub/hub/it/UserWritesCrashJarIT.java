package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "201 Created means durable" on the default settings (embedded H2 under data/, embedded Kafka):
 * four clients create users in a loop, the jar is killed with SIGKILL while they do, and the
 * restarted jar on the same data/ must know every user it had answered 201 for, and publish each
 * one's event so the read model gets it too (the outbox relay and the projector were killed
 * mid-stream as well).
 */
class UserWritesCrashJarIT {

    @TempDir
    Path workDir;

    @Test
    void shouldKeepEveryAcknowledgedUserAfterASigkill() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()));
        settings.put("hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()));
        settings.putAll(Map.copyOf(extraSettings()));

        Queue<String> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
            hub.awaitReady(Duration.ofSeconds(90));
            for (int c = 0; c < 4; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int n = 0; sending.get(); n++) {
                        String body = "{\"name\":\"Crash " + client + "-" + n + "\",\"email\":\"crash" + client + "-" + n
                                + "@example.com\"}";
                        try {
                            HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/users"))
                                    .header("Content-Type", "application/json")
                                    .timeout(Duration.ofSeconds(5))
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
                            if (response.statusCode() == 201) {
                                acknowledged.add(response.headers().firstValue("Location").orElseThrow()
                                        .substring("/users/".length()));
                            }
                        } catch (RuntimeException e) {
                            return; // the hub is gone
                        }
                    }
                });
            }
            // kill while the clients are writing, after enough writes that the last ones are recent
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 400);
            hub.kill();
            sending.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        }
        List<String> ids = new ArrayList<>(acknowledged);

        try (HubProcess restarted = HubProcess.start(workDir, RunningHub.freePort(), settings, Map.of())) {
            restarted.awaitReady(Duration.ofSeconds(90));
            List<String> lost = new ArrayList<>();
            for (String id : ids) {
                if (restarted.status("/users/" + id) != 200) {
                    lost.add(id);
                }
            }
            assertThat(lost).as("users answered 201 but unknown after the restart, of %d", ids.size()).isEmpty();

            // each write's event was in the same transaction: the relay publishes what the killed hub had
            // not, and the projector (killed mid-stream too) catches up: every user reaches the read model
            Set<String> missing = new HashSet<>(ids);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                missing.removeIf(id -> graphQlHasUser(restarted, id));
                return missing.isEmpty();
            });
        }
    }

    /** Settings a developer may add to reproduce the loss, e.g. -Dcrash.h2-url=...;WRITE_DELAY=500. */
    private static Map<String, String> extraSettings() {
        String url = System.getProperty("crash.h2-url");
        return url == null ? Map.of() : Map.of("hub.datasource.url", url);
    }

    private static boolean graphQlHasUser(HubProcess hub, String id) {
        HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/graphql"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"{ user(id: \\\"" + id + "\\\") { id } }\"}"))
                .build());
        return response.statusCode() == 200 && response.body().contains(id);
    }
}
