package io.integrationhub.hub.it;

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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.GetResponse;
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
 * A hub killed (SIGKILL) in the middle of a redrive of 400 dead-lettered tasks loses none of them:
 * each message is either still in {@code tasks.dlq} (its dead-letter copy was not yet acknowledged,
 * so the broker gave it back) or was republished with a confirm, and then, failing again, came back
 * to the dead letters through the next hub. At the end every task id is in the dead-letter queue.
 */
@ExtendWith(KafkaTestKit.class)
class TaskRedriveCrashJarIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TASKS = 400;

    @TempDir
    Path workDir;

    @Test
    void shouldLoseNoDeadLetterWhenTheHubIsKilledMidRedrive() throws Exception {
        String schema = LocalServices.uniqueSchema("hub_redrive");
        try (RabbitQueues rabbit = new RabbitQueues()) {
            Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
            settings.putAll(LocalServices.postgresHubSettings(schema));
            settings.putAll(KafkaTestKit.hubSettings());
            settings.put("hub.tasks.retry-delay-ms", "10");
            // each redriven message waits for its own confirm and record: a redrive that takes a while
            settings.put("hub.dead-letters.batch-size", "1");
            settings.put("hub.security.admin-key", RunningHub.ADMIN_KEY);
            String reason = "broken " + UUID.randomUUID();

            Set<String> taskIds = new HashSet<>();
            try (HubProcess first = HubProcess.start(workDir.resolve("first"), RunningHub.freePort(), settings, Map.of())) {
                first.awaitReady(Duration.ofSeconds(60));
                for (int i = 0; i < TASKS; i++) {
                    HttpResponse<String> accepted = first.send(HttpRequest.newBuilder(first.uri("/api/tasks"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"fail\",\"payload\":{\"reason\":\""
                                    + reason + "\"}}")).build());
                    assertThat(accepted.statusCode()).isEqualTo(202);
                    taskIds.add(JSON.readTree(accepted.body()).get("taskId").asText());
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> rabbit.messageCount(rabbit.deadLetterQueue()) == TASKS);

                CompletableFuture<HttpResponse<String>> redrive = first.http().sendAsync(
                        HttpRequest.newBuilder(first.uri("/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive"))
                                .header("X-API-Key", RunningHub.ADMIN_KEY).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"all\":true}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(30))
                        .until(() -> redriven(schema) > 0);
                first.kill();
                long recorded = redriven(schema);
                assertThat(recorded).as("killed mid-redrive").isLessThan(TASKS);
                assertThat(redrive).isCompletedExceptionally();
            }

            // a second hub works off whatever was redriven; those tasks fail again and go back
            try (RunningHub second = RunningHub.start(workDir.resolve("second"), settings)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> rabbit.messageCount(rabbit.queue()) == 0
                        && rabbit.messageCount(rabbit.deadLetterQueue()) >= TASKS
                        && deadLettered(schema) == TASKS);
            }
            List<String> inDeadLetters = new ArrayList<>();
            GetResponse message;
            while ((message = rabbit.take(rabbit.deadLetterQueue())) != null) {
                inDeadLetters.add(String.valueOf(rabbit.headers(message).get("x-task-id")));
            }
            assertThat(new HashSet<>(inDeadLetters)).as("every task is in the dead letters").isEqualTo(taskIds);
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static long redriven(String schema) throws Exception {
        return single(schema, "SELECT COUNT(*) FROM " + schema + ".dead_letter_action WHERE outcome = 'REDRIVEN'");
    }

    private static long deadLettered(String schema) throws Exception {
        return single(schema, "SELECT COUNT(*) FROM " + schema + ".task WHERE status = 'DEAD_LETTERED'");
    }

    private static long single(String schema, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }
}
