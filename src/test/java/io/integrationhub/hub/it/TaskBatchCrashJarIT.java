package io.integrationhub.hub.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The workers keep many tasks in flight and commit their status writes in groups, acking each message
 * only after its DONE was committed. A hub killed (SIGKILL) in the middle of that loses no task and
 * completes none twice: a second instance finishes exactly the rest.
 */
@ExtendWith(KafkaTestKit.class)
class TaskBatchCrashJarIT {

    private static final int TASKS = 3000;

    @TempDir
    Path workDir;

    @Test
    void shouldLoseNoTaskAndCompleteNoneTwiceWhenKilledWhileGroupsAreInFlight() throws Exception {
        String schema = LocalServices.uniqueSchema("hub_task_batch");
        try (RabbitQueues rabbit = new RabbitQueues()) {
            Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
            settings.putAll(LocalServices.postgresHubSettings(schema));
            settings.putAll(KafkaTestKit.hubSettings());
            settings.put("hub.tasks.consumers", "2");
            settings.put("hub.tasks.prefetch", "100");

            try (HubProcess first = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                for (int i = 0; i < TASKS; i++) {
                    String id = UUID.randomUUID().toString();
                    rabbit.publishToQueue(("{\"taskId\":\"" + id + "\",\"type\":\"noop\",\"payload\":{}}")
                            .getBytes(StandardCharsets.UTF_8), id);
                }
                // killed while the workers are in the middle of the burst: some tasks done, many in flight
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                        .until(() -> count(schema, "status = 'DONE'") >= 300);
                first.kill();
            }
            long doneByFirst = count(schema, "status = 'DONE'");
            assertThat(doneByFirst).as("killed mid-burst").isLessThan(TASKS);

            try (RunningHub second = RunningHub.start(workDir.resolve("second"), settings)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> count(schema, "status = 'DONE'") == TASKS);
                assertThat(count(schema, "true")).as("one row per task").isEqualTo(TASKS);
                assertThat(count(schema, "completions = 1")).as("every task completed exactly once").isEqualTo(TASKS);
                await().atMost(Duration.ofSeconds(10)).until(() -> rabbit.messageCount(rabbit.queue()) == 0);
                assertThat(rabbit.messageCount(rabbit.deadLetterQueue())).as("nothing dead-lettered").isZero();
            }
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static long count(String schema, String where) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + schema + ".task WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
