package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.integrationhub.hub.testkit.HubMetrics;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.NatsServerProcess;
import io.integrationhub.hub.testkit.RunningHub;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publish–subscribe with a JetStream subscriber ({@code audit}) through two faults, three clients
 * publishing orders all along: the NATS server is killed (SIGKILL) and started again on its store,
 * then the hub itself is killed mid-stream and started again. {@code POST /api/pubsub/orders}
 * answers 202 only once JetStream stored the order, 503 with Retry-After while NATS is down; every
 * order answered 202 reaches the JetStream subscriber exactly once (a redelivery after the hub's
 * crash changes nothing). The core subscribers are at most once: their losses are printed, not
 * asserted.
 */
@ExtendWith(KafkaTestKit.class)
class PubSubCrashJarIT {

    @TempDir
    Path workDir;

    @Test
    void shouldDeliverEveryAcceptedOrderOnceToTheJetStreamSubscriberAcrossNatsAndHubCrashes() throws Exception {
        String schema = LocalServices.uniqueSchema("hub_pubsub_crash");
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(3);
        try (NatsServerProcess nats = NatsServerProcess.start(workDir.resolve("nats"))) {
            Map<String, String> settings = new HashMap<>();
            settings.putAll(LocalServices.postgresHubSettings(schema));
            settings.putAll(KafkaTestKit.hubSettings());
            settings.put("hub.nats.servers", nats.url());
            settings.put("hub.pubsub.audit.jetstream", "true");

            try (HubProcess hub = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                hub.awaitReady(Duration.ofSeconds(90));
                for (int c = 0; c < 3; c++) {
                    int client = c;
                    clients.submit(() -> {
                        for (int n = 0; sending.get(); n++) {
                            String orderId = "order-" + client + "-" + n;
                            HttpResponse<String> response;
                            try {
                                response = hub.send(HttpRequest.newBuilder(hub.uri("/api/pubsub/orders"))
                                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"" + orderId
                                                + "\",\"amount\":" + n + "}")).build());
                            } catch (RuntimeException e) {
                                return null; // the hub is gone
                            }
                            statuses.merge(response.statusCode(), 1, Integer::sum);
                            if (response.statusCode() == 202) {
                                accepted.add(orderId);
                            } else {
                                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                            }
                        }
                        return null;
                    });
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 100);

                nats.kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> statuses.getOrDefault(503, 0) >= 10);
                nats.startAgain();
                int beforeRecovery = accepted.size();
                try {
                    await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= beforeRecovery + 150);
                    // the JetStream subscriber is consuming again (its connection came back after NATS's)
                    int auditBeforeRecovery = count(schema, "subscriber = 'audit'");
                    await().atMost(Duration.ofSeconds(60)).until(() -> count(schema, "subscriber = 'audit'") >= auditBeforeRecovery + 50);
                } catch (ConditionTimeoutException e) {
                    // the hub's and the server's logs are in temporary folders deleted after the test
                    System.out.printf("No recovery after the NATS restart: answers %s, accepted %d (%d before)%n"
                            + "---- hub log (end) ----%n%s%n---- nats-server log (end) ----%n%s%n", new TreeMap<>(statuses),
                            accepted.size(), beforeRecovery, tail(hub.log()), tail(nats.log()));
                    throw e;
                }

                hub.kill(); // mid-stream: the subscriber has orders in flight, received and not acknowledged
                sending.set(false);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
            int auditBeforeRestart = count(schema, "subscriber = 'audit'");

            // the restarted hub shortens the durable consumer's ack wait (the first made it with the shipped 30 s):
            // the subscription is updated, not refused, and what the killed hub held comes back sooner
            settings.put("hub.nats.ack-wait-ms", "3000");
            try (HubProcess restarted = HubProcess.start(workDir.resolve("second"), RunningHub.freePort(), settings, Map.of())) {
                restarted.awaitReady(Duration.ofSeconds(90));
                assertThat(restarted.log()).contains("ack wait PT30S -> PT3S");
                // JetStream redelivers what the killed hub had not acknowledged once its ack wait is over
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> received(schema, "audit").containsAll(accepted));
                Set<String> audit = received(schema, "audit");
                long redelivered = HubMetrics.sum(restarted.send(HttpRequest.newBuilder(restarted.uri("/observe/metrics"))
                        .build()).body(), "hub_messages_duplicates_total", "pubsub-audit");
                int auditRows = count(schema, "subscriber = 'audit'");
                int notifications = received(schema, "notifications").size();
                System.out.printf("NATS SIGKILL + hub SIGKILL under 3 publishers: answers %s; accepted %d; JetStream "
                        + "subscriber: received %d (%d before the hub restart), deliveries recorded %d, redelivered and ignored %d, lost %d; core "
                        + "subscriber notifications (at most once): received %d of the accepted%n",
                        new TreeMap<>(statuses), accepted.size(), audit.size(), auditBeforeRestart, auditRows, redelivered,
                        accepted.stream().filter(id -> !audit.contains(id)).count(), received(schema, "notifications").stream()
                                .filter(accepted::contains).count());
                assertThat(auditRows).as("each order's effect once on the JetStream subscriber").isEqualTo(audit.size());
                assertThat(statuses.keySet()).isSubsetOf(202, 503);
                assertThat(notifications).isPositive();
            }
        } finally {
            sending.set(false);
            clients.shutdownNow();
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static String tail(String log) {
        return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
    }

    private static Set<String> received(String schema, String subscriber) throws Exception {
        Set<String> orders = new HashSet<>();
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT order_id FROM " + schema + ".pubsub_delivery WHERE subscriber = '"
                     + subscriber + "'")) {
            while (rs.next()) {
                orders.add(rs.getString(1));
            }
        }
        return orders;
    }

    private static int count(String schema, String where) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + schema + ".pubsub_delivery WHERE " + where)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
