package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** RabbitMQ unreachable: the hub still starts, says so in health, and refuses tasks with 503 writing nothing. */
@ExtendWith(KafkaTestKit.class)
class TaskQueueBrokerDownTest {

    @TempDir
    Path workDir;

    @Test
    void shouldAnswer503AndWriteNothingWhileRabbitMqIsUnreachable() throws Exception {
        try (RabbitQueues names = new RabbitQueues()) {
            Map<String, String> settings = new HashMap<>(names.hubSettings());
            settings.put("hub.rabbitmq.port", String.valueOf(RunningHub.freePort()));
            settings.put("hub.tasks.confirm-timeout-ms", "1000");
            try (RunningHub hub = RunningHub.start(workDir, settings)) {
                HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{}}")).build());

                ProblemAssert.assertProblem(response, 503, "/api/tasks");
                assertThat(taskRows(hub)).as("nothing half-written").isZero();
                assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(503);
                assertThat(hub.get("/observe/health").body()).contains("\"name\":\"rabbitmq\",\"status\":\"DOWN\"");
                assertThat(hub.get("/api/p2p/data").statusCode()).as("the rest of the hub serves").isEqualTo(200);
            }
        }
    }

    private static int taskRows(RunningHub hub) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM task")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
