package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /users} and {@code POST /api/orders} with an Idempotency-Key store their answer in the
 * write's own transaction (the user; the order's saga log row): when
 * the request fails after that commit (here a failure injected right after it, standing for a hub
 * that dies before answering), the retry with the same key is answered with the stored 201 and
 * creates nothing. Before, the answer was a separate commit after the write, and such a retry
 * created a second user.
 */
@ExtendWith(KafkaTestKit.class)
class IdempotentAnswerWithWriteTest {

    @TempDir
    Path workDir;

    @Test
    void shouldReplayTheAnswerCommittedWithTheUserWhenTheRequestFailedAfterTheWrite() throws Exception {
        try (RunningHub hub = RunningHub.start(workDir, Map.of())) {
            AtomicBoolean failNext = new AtomicBoolean(true);
            AdviceWith.adviceWith(hub.context(), "cqrs-user-create", route -> route.weaveById("cqrs-user-create-write").after().process(e -> {
                if (failNext.getAndSet(false)) {
                    throw new IllegalStateException("the hub failed after the user's commit (injected)");
                }
            }));
            // an advised route is added again, stopped: the supervising route controller starts only at start-up
            hub.context().getRouteController().startRoute("cqrs-user-create");
            String key = UUID.randomUUID().toString();
            String body = "{\"name\":\"Once\",\"email\":\"once-" + key.substring(0, 8) + "@example.com\"}";

            HttpResponse<String> failed = post(hub, key, body);
            assertThat(failed.statusCode()).as("the client saw a failure").isEqualTo(500);
            HttpResponse<String> retried = post(hub, key, body);

            assertThat(retried.statusCode()).isEqualTo(201);
            assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            String id = retried.headers().firstValue("Location").orElseThrow().substring("/users/".length());
            assertThat(hub.get("/users/" + id).statusCode()).isEqualTo(200);
            assertThat(usersNamed(hub, "Once")).as("one user, however often the client asked").isEqualTo(1);
        }
    }

    @Test
    void shouldReplayTheAcceptedOrderWhenTheRequestFailedAfterTheOrderWasRecorded() throws Exception {
        try (RunningHub hub = RunningHub.start(workDir, Map.of())) {
            AtomicBoolean failNext = new AtomicBoolean(true);
            AdviceWith.adviceWith(hub.context(), "saga-order-submit", route -> route.weaveById("saga-order-submit-write")
                    .after().process(e -> {
                        if (failNext.getAndSet(false)) {
                            throw new IllegalStateException("the hub failed after the order's commit (injected)");
                        }
                    }));
            hub.context().getRouteController().startRoute("saga-order-submit");
            String key = UUID.randomUUID().toString();
            String userId = "u-once-" + key.substring(0, 8);
            String body = OrderApi.order(userId, "SKU-1", 1, "1");

            assertThat(post(hub, "/api/orders", key, body).statusCode()).as("the client saw a failure").isEqualTo(500);
            HttpResponse<String> retried = post(hub, "/api/orders", key, body);

            assertThat(retried.statusCode()).isEqualTo(202);
            assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(count(hub, "SELECT COUNT(*) FROM saga_order WHERE user_id = '" + userId + "'"))
                    .as("one order, however often the client asked").isEqualTo(1);
        }
    }

    private static HttpResponse<String> post(RunningHub hub, String key, String json) {
        return post(hub, "/users", key, json);
    }

    private static HttpResponse<String> post(RunningHub hub, String path, String key, String json) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static int usersNamed(RunningHub hub, String name) throws Exception {
        return count(hub, "SELECT COUNT(*) FROM user_account WHERE name = '" + name + "'");
    }

    private static int count(RunningHub hub, String sql) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection();
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
