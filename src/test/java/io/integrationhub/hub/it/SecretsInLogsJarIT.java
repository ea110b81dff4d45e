package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The log of the jar, run with keys, a database password in the environment and in the JDBC URL, and
 * driven through every pattern with personal data in the bodies (good and bad input, a poison
 * event, a duplicate email), holds none of the secrets and none of the emails.
 */
class SecretsInLogsJarIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private final String schema = LocalServices.uniqueSchema("hub_logs");
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String writerKey = "writer-secret-" + run;
    private final String adminKey = "admin-secret-" + run;
    private final String dbPassword = "db-secret-" + run;
    private final String urlPassword = "url-secret-" + run;
    private final List<String> emails = new ArrayList<>();

    private final RabbitQueues rabbit = new RabbitQueues();

    @AfterEach
    void dropSchemaAndQueues() throws Exception {
        LocalServices.dropPostgresSchema(schema);
        rabbit.close();
    }

    @Test
    void shouldLogNoSecretAndNoPersonalData() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()),
                "hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()),
                // trust authentication ignores the password: it is there to be kept out of the log
                "hub.datasource.url", LocalServices.postgresUrl() + "?password=" + urlPassword + "&ApplicationName=hub",
                "hub.datasource.username", LocalServices.postgresUser(),
                "hub.datasource.schema", schema));
        // queues of this test's own: no other hub on the broker takes its tasks
        settings.putAll(rabbit.hubSettings());
        try (HubProcess hub = HubProcess.start(workDir, RunningHub.freePort(), settings,
                Map.of("HUB_SECURITY_API_KEYS", writerKey + ":write+gateway",
                        "HUB_SECURITY_ADMIN_KEY", adminKey,
                        "HUB_DATASOURCE_PASSWORD", dbPassword))) {
            hub.awaitReady(Duration.ofSeconds(90));

            // CQRS: a user, the same email again (409), a read through GraphQL and through gRPC (the bridge)
            String email = email("user");
            assertThat(post(hub, "/users", writerKey, "{\"id\":\"log-" + run + "\",\"name\":\"Log User\",\"email\":\"" + email + "\"}")
                    .statusCode()).isEqualTo(201);
            assertThat(post(hub, "/users", writerKey, "{\"id\":\"log2-" + run + "\",\"name\":\"Other\",\"email\":\"" + email + "\"}")
                    .statusCode()).isEqualTo(409);
            assertThat(post(hub, "/users", null, "{\"name\":\"Anon\",\"email\":\"" + email("anonymous") + "\"}").statusCode())
                    .isEqualTo(401);
            assertThat(post(hub, "/users", writerKey, "{\"name\":\"Bad\",\"email\":\"" + email("invalid") + "\",\"extra\":1}")
                    .statusCode()).isEqualTo(400);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    get(hub, "/api/users/log-" + run).statusCode() == 200);
            assertThat(post(hub, "/graphql", null, "{\"query\":\"{ user(id: \\\"log-" + run + "\\\") { email } }\"}").body())
                    .contains(email);

            // message queue: a task that works and one that fails into the dead-letter queue
            String task = JSON.readTree(post(hub, "/api/tasks", writerKey,
                    "{\"type\":\"noop\",\"payload\":{\"email\":\"" + email("task") + "\"}}").body()).get("taskId").asText();
            String failing = JSON.readTree(post(hub, "/api/tasks", writerKey,
                    "{\"type\":\"fail\",\"payload\":{\"email\":\"" + email("failing-task") + "\"}}").body()).get("taskId").asText();

            // saga (orchestrated and choreographed), pub/sub, event log with a poison user event
            String order = JSON.readTree(post(hub, "/api/orders", writerKey,
                    "{\"userId\":\"log-" + run + "\",\"items\":[{\"sku\":\"SKU-1\",\"quantity\":1}],\"amount\":1}").body())
                    .get("orderId").asText();
            assertThat(post(hub, "/api/choreography/orders", writerKey,
                    "{\"userId\":\"log-" + run + "\",\"items\":[{\"sku\":\"SKU-1\",\"quantity\":1}],\"amount\":1}").statusCode())
                    .isEqualTo(202);
            assertThat(post(hub, "/api/pubsub/orders", writerKey, "{\"orderId\":\"log-" + run + "\"}").statusCode())
                    .isEqualTo(202);
            assertThat(post(hub, "/api/events/order-events", writerKey, "{\"key\":\"o-" + run + "\",\"event\":\"OrderNoted\","
                    + "\"data\":{\"email\":\"" + email("event") + "\"}}").statusCode()).isEqualTo(201);
            // matches UserCreated's schema, but its id is not the record's key: the projector dead-letters it
            assertThat(post(hub, "/api/events/user-events", writerKey, "{\"key\":\"u-" + run + "\",\"event\":\"UserCreated\","
                    + "\"data\":{\"id\":\"other-" + run + "\",\"name\":\"Poison\",\"email\":\"" + email("poison-event")
                    + "\",\"createdAt\":\"2026-11-29T10:00:00Z\",\"updatedAt\":\"2026-11-29T10:00:00Z\",\"version\":1}}")
                    .statusCode()).isEqualTo(201);

            // gateway, point-to-point, admin with a wrong and with the right key
            assertThat(get(hub, "/api/order-views/" + order).statusCode()).isEqualTo(200);
            assertThat(get(hub, "/api/p2p/data").statusCode()).isEqualTo(200);
            assertThat(post(hub, "/admin/replay/order-events", writerKey, "").statusCode()).isEqualTo(403);
            assertThat(post(hub, "/admin/replay/order-events", adminKey, "").statusCode()).isEqualTo(202);

            await("task done").atMost(Duration.ofSeconds(60)).until(() -> status(hub, "/api/tasks/" + task).equals("DONE"));
            await("failing task dead-lettered").atMost(Duration.ofSeconds(60))
                    .until(() -> status(hub, "/api/tasks/" + failing).equals("DEAD_LETTERED"));
            await("saga ended").atMost(Duration.ofSeconds(60)).until(() -> !status(hub, "/api/orders/" + order).equals("PENDING"));
            // the poison user event went to the dead-letter topic (what it refused is logged)
            await("poison event dead-lettered").atMost(Duration.ofSeconds(30)).until(() -> get(hub, "/observe/metrics").body()
                    .contains("hub_messages_dead_lettered_total{destination=\"user-events.dlt\""));

            String log = hub.log();
            assertThat(log).contains("Integration hub started");
            for (String secret : List.of(writerKey, adminKey, dbPassword, urlPassword)) {
                assertThat(log).as("the log holds a secret").doesNotContain(secret);
            }
            for (String personal : emails) {
                assertThat(log).as("the log holds a user's email").doesNotContain(personal);
            }
        }
    }

    private String email(String what) {
        String email = what + "-" + run + "@example.com";
        emails.add(email);
        return email;
    }

    private static String status(HubProcess hub, String path) {
        HttpResponse<String> response = get(hub, path);
        if (response.statusCode() != 200) {
            return "";
        }
        try {
            JsonNode body = JSON.readTree(response.body());
            return body.path("status").asText();
        } catch (Exception e) {
            return "";
        }
    }

    private static HttpResponse<String> post(HubProcess hub, String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(hub.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return hub.send(request.build());
    }

    private static HttpResponse<String> get(HubProcess hub, String path) {
        return hub.send(HttpRequest.newBuilder(hub.uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }
}
