package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.SharedHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose creating POST timed out retries it with the same {@code Idempotency-Key}: it gets
 * the first answer again and nothing is created twice; the same key with another body is refused
 * with 422; a request that failed frees its key. Against the real hub, RabbitMQ and Kafka.
 */
@ExtendWith(SharedHub.class)
class IdempotencyKeyTest {

    private static RunningHub hub;

    @BeforeAll
    static void startHub() {
        hub = SharedHub.hub();
    }

    @Test
    void shouldAnswerARetriedUserCreationWithTheFirstAnswerAndCreateNothing() {
        String key = UUID.randomUUID().toString();
        String body = "{\"name\":\"Idem\",\"email\":\"idem-" + key.substring(0, 8) + "@example.com\"}";

        HttpResponse<String> first = post("/users", key, body);
        HttpResponse<String> retry = post("/users", key, body);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        // the same body without the key is a new request: the email is taken by the one user created
        assertThat(post("/users", null, body).statusCode()).isEqualTo(409);
    }

    @Test
    void shouldRefuseTheSameKeyWithAnotherBody() {
        String key = UUID.randomUUID().toString();
        assertThat(post("/users", key, "{\"name\":\"A\",\"email\":\"a-" + key.substring(0, 8) + "@example.com\"}")
                .statusCode()).isEqualTo(201);

        HttpResponse<String> other = post("/users", key, "{\"name\":\"B\",\"email\":\"b-" + key.substring(0, 8) + "@example.com\"}");

        assertThat(ProblemAssert.assertProblem(other, 422, "/users").get("detail").asText()).contains("another request body");
    }

    @Test
    void shouldFreeTheKeyOfARequestThatFailed() {
        String key = UUID.randomUUID().toString();
        String taken = "{\"name\":\"T\",\"email\":\"taken-" + key.substring(0, 8) + "@example.com\"}";
        assertThat(post("/users", null, taken).statusCode()).isEqualTo(201);

        assertThat(post("/users", key, taken).statusCode()).as("conflict: nothing created").isEqualTo(409);
        assertThat(post("/users", key, taken).statusCode()).as("the retry runs again, not a replay").isEqualTo(409);
    }

    @Test
    void shouldReplayTasksOrdersAndEventsToo() {
        String taskKey = UUID.randomUUID().toString();
        String task = "{\"type\":\"noop\",\"payload\":{\"n\":1}}";
        HttpResponse<String> firstTask = post("/api/tasks", taskKey, task);
        HttpResponse<String> retriedTask = post("/api/tasks", taskKey, task);
        assertThat(firstTask.statusCode()).isEqualTo(202);
        assertThat(retriedTask.body()).isEqualTo(firstTask.body());
        assertThat(post("/api/tasks", UUID.randomUUID().toString(), task).body()).as("another key: another task")
                .isNotEqualTo(firstTask.body());

        String orderKey = UUID.randomUUID().toString();
        String order = OrderApi.order("u-idem", "SKU-1", 1, "1");
        HttpResponse<String> firstOrder = post("/api/orders", orderKey, order);
        HttpResponse<String> retriedOrder = post("/api/orders", orderKey, order);
        assertThat(firstOrder.statusCode()).isEqualTo(202);
        assertThat(UserApi.read(retriedOrder.body()).get("orderId").asText())
                .isEqualTo(UserApi.read(firstOrder.body()).get("orderId").asText());

        String eventKey = UUID.randomUUID().toString();
        String event = "{\"key\":\"o-idem\",\"event\":\"OrderNoted\",\"data\":{}}";
        JsonNode firstEvent = UserApi.read(post("/api/events/order-events", eventKey, event).body());
        JsonNode retriedEvent = UserApi.read(post("/api/events/order-events", eventKey, event).body());
        assertThat(retriedEvent.get("offset").asLong()).as("one record on the log").isEqualTo(firstEvent.get("offset").asLong());
        assertThat(retriedEvent.get("eventId").asText()).isEqualTo(firstEvent.get("eventId").asText());
    }

    @Test
    void shouldRefuseAMalformedKey() {
        HttpResponse<String> response = post("/users", "x".repeat(201), "{\"name\":\"M\",\"email\":\"m@example.com\"}");
        assertThat(ProblemAssert.assertProblem(response, 400, "/users").get("detail").asText()).contains("Idempotency-Key");
    }

    private static HttpResponse<String> post(String path, String key, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(hub.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return hub.send(request.build());
    }
}
