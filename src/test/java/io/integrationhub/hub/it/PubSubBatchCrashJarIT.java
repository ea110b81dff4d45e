package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.NatsClient;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A JetStream subscriber keeps many messages in flight ({@code hub.nats.max-in-flight}) and their
 * delivery records share commits; each message is acknowledged only after its record was committed.
 * A hub killed (SIGKILL) in the middle of a burst loses no order and records none twice: JetStream
 * delivers what was not acknowledged again and a second instance records exactly the rest.
 */
@ExtendWith(KafkaTestKit.class)
class PubSubBatchCrashJarIT {

    private static final int ORDERS = 3000;

    @TempDir
    Path workDir;

    @Test
    void shouldLoseNoOrderAndRecordNoneTwiceWhenKilledWhileRecordsAreInFlight() throws Exception {
        String schema = LocalServices.uniqueSchema("hub_pubsub_batch");
        try (NatsClient nats = new NatsClient()) {
            Map<String, String> settings = new HashMap<>(nats.hubSettings());
            settings.putAll(LocalServices.postgresHubSettings(schema));
            settings.putAll(KafkaTestKit.hubSettings());
            settings.put("hub.pubsub.audit.jetstream", "true");
            // what the killed hub had in flight comes back after 3 s instead of the shipped 30 s
            settings.put("hub.nats.ack-wait-ms", "3000");

            try (HubProcess first = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                List<String> orders = new ArrayList<>();
                for (int i = 0; i < ORDERS; i++) {
                    orders.add("{\"orderId\":\"batch-" + i + "\",\"amount\":" + i + "}");
                }
                nats.publishDurably(orders);
                // killed while the subscriber is in the middle of the burst: some recorded, many in flight
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> count(schema, "subscriber = 'audit'") >= 300);
                first.kill();
            }
            long recordedByFirst = count(schema, "subscriber = 'audit'");
            assertThat(recordedByFirst).as("killed mid-burst").isLessThan(ORDERS);

            try (RunningHub second = RunningHub.start(workDir.resolve("second"), settings)) {
                // JetStream delivers again what the killed hub had not acknowledged once its ack wait (3 s) is over
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> count(schema, "subscriber = 'audit'") >= ORDERS);
                assertThat(count(schema, "subscriber = 'audit'")).as("each order recorded once").isEqualTo(ORDERS);
                assertThat(distinctOrders(schema)).as("every order recorded").isEqualTo(ORDERS);
            }
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static long count(String schema, String where) throws Exception {
        return query(schema, "SELECT COUNT(*) FROM " + schema + ".pubsub_delivery WHERE " + where);
    }

    private static long distinctOrders(String schema) throws Exception {
        return query(schema, "SELECT COUNT(DISTINCT order_id) FROM " + schema
                + ".pubsub_delivery WHERE subscriber = 'audit' AND order_id LIKE 'batch-%'");
    }

    private static long query(String schema, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
