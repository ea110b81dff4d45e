package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The case the task queue could not answer before Idempotency-Key: {@code POST /api/tasks} published
 * the task to RabbitMQ, then the database failed before the submission was recorded, so the client
 * got a 503 although the task will run. The client retries with the same key: it gets 202 with the
 * same task id, and the task's work is done once although RabbitMQ now delivered it twice.
 * Real RabbitMQ and database; only the database failure is injected (AdviceWith), at that one step.
 */
@ExtendWith(KafkaTestKit.class)
class TaskSubmitDatabaseFailureTest {

    @TempDir
    Path workDir;

    @Test
    void shouldRunATaskOnceWhenItsSubmissionFailedAfterPublishingAndWasRetried() throws Exception {
        try (RabbitQueues rabbit = new RabbitQueues();
             RunningHub hub = RunningHub.start(workDir, rabbit.hubSettings())) {
            AtomicBoolean failNext = new AtomicBoolean(true);
            AdviceWith.adviceWith(hub.context(), "queue-task-submit", route -> route
                    .weaveByToString(".*taskStore.*recordQueued.*").before().process(e -> {
                        if (failNext.getAndSet(false)) {
                            throw new SQLTransientConnectionException("connection to the database lost (injected)");
                        }
                    }));
            // an advised route is added again, stopped: the supervising route controller starts only at start-up
            hub.context().getRouteController().startRoute("queue-task-submit");
            String key = UUID.randomUUID().toString();

            HttpResponse<String> first = submit(hub, key);
            ProblemAssert.assertProblem(first, 503, "/api/tasks");
            assertThat(first.headers().firstValue("Retry-After")).isPresent();
            // the message was confirmed by RabbitMQ before the failure: the task runs anyway
            await().atMost(Duration.ofSeconds(20)).until(() -> onlyTask(hub) != null);
            String taskId = onlyTask(hub);
            await().atMost(Duration.ofSeconds(20)).until(() -> "DONE".equals(status(hub, taskId)));

            HttpResponse<String> retried = submit(hub, key);
            assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
            assertThat(UserApi.read(retried.body()).get("taskId").asText()).as("the same task").isEqualTo(taskId);
            // the retry published the task again; the worker takes it and only acknowledges it
            await().atMost(Duration.ofSeconds(20)).until(() -> rabbit.messageCount(rabbit.queue()) == 0);
            JsonNode task = UserApi.read(hub.get("/api/tasks/" + taskId).body());
            assertThat(task.get("status").asText()).isEqualTo("DONE");
            assertThat(task.get("attempts").asInt()).as("the work done once").isEqualTo(1);
            assertThat(submit(hub, key).headers().firstValue("Idempotent-Replayed")).hasValue("true");
        }
    }

    private static HttpResponse<String> submit(RunningHub hub, String key) {
        return hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks"))
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{\"n\":1}}")).build());
    }

    /** The one task of this test's own database, recorded by the worker that ran it; null before. */
    private static String onlyTask(RunningHub hub) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT task_id FROM task")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String status(RunningHub hub, String taskId) {
        HttpResponse<String> response = hub.get("/api/tasks/" + taskId);
        return response.statusCode() == 200 ? UserApi.read(response.body()).get("status").asText() : null;
    }
}
