package io.integrationhub.hub;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.camel.CamelConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The patterns' configurations need no order among themselves (docs/architecture.md): started in
 * the reverse of HubRuntime's order, the hub still answers through the two paths that once worked
 * only in that order — the gRPC service reading the CQRS read model, and the replay of a topic
 * rebuilding the CQRS read model too.
 */
@ExtendWith(KafkaTestKit.class)
class PatternOrderTest {

    @TempDir
    Path workDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldServeWithThePatternsConfiguredInReverseOrder() throws Exception {
        Map<String, String> settings = RunningHub.defaults(workDir);
        HubRuntime.HubMain main = HubRuntime.create(settings, PatternOrderTest::reversed);
        main.start();
        try {
            int port = Integer.parseInt(settings.get("camel.server.port"));
            String id = "order-" + System.nanoTime();
            HttpResponse<String> created = send(HttpRequest.newBuilder(uri(port, "/users"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"name\":\"Order\",\"email\":\"" + id + "@example.com\"}")));
            assertThat(created.statusCode()).isEqualTo(201);
            // the gRPC UserService (request-reply) answers from the CQRS read model, bridged to HTTP
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(send(HttpRequest.newBuilder(uri(port, "/api/users/" + id)).GET()).body()).contains(id + "@example.com"));
            // the replay of user-events rewinds the CQRS projector's group beside the event log's
            HttpResponse<String> replay = send(HttpRequest.newBuilder(uri(port, "/admin/replay/user-events"))
                    .header("X-API-Key", RunningHub.ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(replay.statusCode()).isEqualTo(202);
            assertThat(replay.body()).contains(main.getCamelContext().resolvePropertyPlaceholders("{{hub.cqrs.projector.group}}"));
        } finally {
            main.stop();
        }
    }

    private static List<CamelConfiguration> reversed(List<CamelConfiguration> inOrder) {
        List<CamelConfiguration> reversed = new ArrayList<>(inOrder);
        Collections.reverse(reversed);
        return reversed;
    }

    private static URI uri(int port, String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
