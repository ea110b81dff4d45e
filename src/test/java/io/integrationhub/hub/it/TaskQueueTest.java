package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.GetResponse;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The task queue against the local RabbitMQ: throughput exactly once, retries, dead letters, direct AMQP publishers, bad input. */
@ExtendWith(KafkaTestKit.class)
class TaskQueueTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;

    private static RabbitQueues rabbit;
    private static RunningHub hub;

    @BeforeAll
    static void startHub() {
        rabbit = new RabbitQueues();
        Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
        settings.put("hub.tasks.consumers", "4");
        settings.put("hub.tasks.retry-delay-ms", "50");
        settings.put("hub.tasks.max-body-bytes", "2048");
        hub = RunningHub.start(workDir, settings);
        await().untilAsserted(() -> assertThat(hub.context().getRouteController()
                .getRouteStatus("queue-task-worker").isStarted()).isTrue());
    }

    @AfterAll
    static void stopHub() throws Exception {
        hub.close();
        rabbit.close();
    }

    @Test
    void shouldProcessAThousandTasksExactlyOnceSpreadOverSeveralConsumers() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<String>> submitted = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            submitted.add(clients.submit(() -> submit("noop", "{\"n\":" + n + "}")));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> f : submitted) {
            ids.add(f.get());
        }
        clients.shutdown();

        await().atMost(Duration.ofSeconds(60)).until(() -> countWhere("status = 'DONE' AND task_id IN " + in(ids)) == 1000);
        assertThat(countWhere("completions = 1 AND attempts = 1 AND task_id IN " + in(ids))).isEqualTo(1000);
        assertThat(queryInt("SELECT COUNT(DISTINCT processed_by) FROM task WHERE task_id IN " + in(ids)))
                .as("consumers that did work").isGreaterThan(1);
        assertThat(rabbit.messageCount(rabbit.queue())).isZero();
    }

    @Test
    void shouldDeadLetterAFailingTaskAfterThreeAttemptsWithTheReason() throws Exception {
        String taskId = submit("fail", "{\"reason\":\"disk full\"}");

        JsonNode status = awaitStatus(taskId, "DEAD_LETTERED");
        assertThat(status.get("attempts").asInt()).isEqualTo(3);
        assertThat(status.get("lastError").asText()).isEqualTo("disk full");
        GetResponse dead = awaitDeadLetter(taskId);
        Map<String, Object> headers = rabbit.headers(dead);
        assertThat(headers).containsEntry("x-failure-reason", "disk full").containsEntry("x-attempts", "3");
        assertThat(JSON.readTree(dead.getBody()).get("taskId").asText()).isEqualTo(taskId);
        assertThat(dead.getProps().getDeliveryMode()).as("persistent").isEqualTo(2);
    }

    @Test
    void shouldRetryAFlakyTaskUntilItSucceeds() throws Exception {
        String taskId = submit("flaky", "{\"failures\":2}");

        JsonNode status = awaitStatus(taskId, "DONE");
        assertThat(status.get("attempts").asInt()).isEqualTo(3);
    }

    @Test
    void shouldProcessAJsonMessagePublishedStraightToTheQueueByAnyAmqpClient() throws Exception {
        String messageId = "amqp-" + UUID.randomUUID();
        rabbit.publishToQueue("{\"type\":\"noop\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8), messageId);

        JsonNode status = awaitStatus(messageId, "DONE");
        assertThat(status.get("type").asText()).isEqualTo("noop");
    }

    @Test
    void shouldDeadLetterMalformedJsonAtOnceWithoutLoopingOrLosingIt() throws Exception {
        String messageId = "poison-" + UUID.randomUUID();
        byte[] poison = "{this is not json".getBytes(StandardCharsets.UTF_8);
        rabbit.publishToQueue(poison, messageId);

        GetResponse dead = awaitDeadLetter(messageId);
        assertThat(dead.getBody()).isEqualTo(poison);
        assertThat(rabbit.headers(dead).get("x-failure-reason").toString()).contains("not a task in JSON");
        JsonNode status = awaitStatus(messageId, "DEAD_LETTERED");
        assertThat(status.get("attempts").asInt()).as("poison is not retried").isZero();
        assertThat(rabbit.messageCount(rabbit.queue())).isZero();
    }

    @Test
    void shouldDeadLetterAnUnknownTaskTypeWithoutRetrying() throws Exception {
        String taskId = submit("no-such-type", "{}");

        JsonNode status = awaitStatus(taskId, "DEAD_LETTERED");
        assertThat(status.get("lastError").asText()).contains("unknown task type");
        awaitDeadLetter(taskId);
    }

    @Test
    void shouldRefuseBadRequestsWithProblems() {
        HttpResponse<String> missing = post("application/json", "{\"payload\":{}}");
        JsonNode problem = ProblemAssert.assertProblem(missing, 400, "/api/tasks");
        assertThat(problem.get("errors").toString()).contains("type");

        ProblemAssert.assertProblem(post("application/json", "{\"type\":\"noop\",\"payload\":\"text\"}"), 400, "/api/tasks");
        ProblemAssert.assertProblem(post("application/json", "not json"), 400, "/api/tasks");
        ProblemAssert.assertProblem(post("text/plain", "{\"type\":\"noop\",\"payload\":{}}"), 415, "/api/tasks");
        String big = "{\"type\":\"noop\",\"payload\":{\"x\":\"" + "y".repeat(4096) + "\"}}";
        ProblemAssert.assertProblem(post("application/json", big), 413, "/api/tasks");
        ProblemAssert.assertProblem(hub.get("/api/tasks/" + UUID.randomUUID()), 404, null);
    }

    @Test
    void shouldCountRetriesAndDeadLettersInMetrics() throws Exception {
        String taskId = submit("fail", "{\"reason\":\"counted\"}");
        awaitStatus(taskId, "DEAD_LETTERED");

        String metrics = hub.get("/observe/metrics").body();
        assertThat(metrics).contains("hub_messages_retried_total{route=\"queue-task-worker\"}")
                .contains("hub_messages_dead_lettered_total{destination=\"" + rabbit.deadLetterQueue() + "\",route=\"queue-task-worker\"}");
        assertThat(metrics).contains("routeId=\"queue-task-worker\"");
    }

    private String submit(String type, String payload) throws Exception {
        HttpResponse<String> response = post("application/json", "{\"type\":\"" + type + "\",\"payload\":" + payload + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String taskId = JSON.readTree(response.body()).get("taskId").asText();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/tasks/" + taskId);
        return taskId;
    }

    private HttpResponse<String> post(String contentType, String body) {
        return hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks")).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode awaitStatus(String taskId, String expected) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> response = hub.get("/api/tasks/" + taskId);
            assertThat(response.statusCode()).isEqualTo(200);
            last[0] = JSON.readTree(response.body());
            assertThat(last[0].get("status").asText()).isEqualTo(expected);
        });
        return last[0];
    }

    /** Waits for the dead letter of {@code taskId}; dead letters of other tests are put aside. */
    private GetResponse awaitDeadLetter(String taskId) {
        GetResponse[] found = new GetResponse[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            GetResponse r;
            while ((r = rabbit.take(rabbit.deadLetterQueue())) != null) {
                if (taskId.equals(rabbit.headers(r).get("x-task-id")) || taskId.equals(r.getProps().getMessageId())) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static String in(List<String> ids) {
        return "('" + String.join("','", ids) + "')";
    }

    private static int countWhere(String where) throws Exception {
        return queryInt("SELECT COUNT(*) FROM task WHERE " + where);
    }

    private static int queryInt(String sql) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
