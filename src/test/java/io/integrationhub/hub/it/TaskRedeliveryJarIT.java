package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A hub killed (SIGKILL) in the middle of a task never acknowledged it: RabbitMQ hands the task to
 * another instance, which completes it. Both instances share the task status in PostgreSQL.
 */
@ExtendWith(KafkaTestKit.class)
class TaskRedeliveryJarIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    @Test
    void shouldRedeliverATaskWhoseConsumerWasKilledAndComplete() throws Exception {
        String schema = LocalServices.uniqueSchema("hub_redelivery");
        try (RabbitQueues rabbit = new RabbitQueues()) {
            Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
            settings.putAll(LocalServices.postgresHubSettings(schema));
            settings.putAll(KafkaTestKit.hubSettings());
            settings.put("hub.tasks.consumers", "1");

            String taskId;
            try (HubProcess first = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                HttpResponse<String> accepted = first.http().send(HttpRequest.newBuilder(first.uri("/api/tasks"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"delay\",\"payload\":{\"ms\":3000}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).isEqualTo(202);
                taskId = JSON.readTree(accepted.body()).get("taskId").asText();
                await().atMost(Duration.ofSeconds(20)).until(() -> "1".equals(column(schema, taskId, "attempts")));

                first.kill(); // mid-task, before the ack
            }
            assertThat(column(schema, taskId, "status")).isEqualTo("QUEUED");
            String killedWorker = column(schema, taskId, "processed_by");

            try (RunningHub second = RunningHub.start(workDir.resolve("second"), settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(column(schema, taskId, "status")));
                assertThat(column(schema, taskId, "attempts")).isEqualTo("2");
                assertThat(column(schema, taskId, "completions")).isEqualTo("1");
                assertThat(column(schema, taskId, "processed_by")).isNotEqualTo(killedWorker);
                assertThat(rabbit.messageCount(rabbit.queue())).isZero();
            }
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static String column(String schema, String taskId, String column) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + schema + ".task WHERE task_id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
