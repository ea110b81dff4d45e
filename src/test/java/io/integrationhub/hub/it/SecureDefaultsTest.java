package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hub on the shipped defaults: no admin key, so /admin/** is closed to everyone (and says which
 * setting opens it); API keys given as a file (a container secret).
 */
@ExtendWith(KafkaTestKit.class)
class SecureDefaultsTest {

    @TempDir
    static Path workDir;

    private static RunningHub hub;

    @BeforeAll
    static void startHub() throws Exception {
        Path keys = Files.writeString(workDir.resolve("api-keys"), "# one key per line\nfile-writer:write\n\nfile-gateway:gateway\n");
        hub = RunningHub.start(workDir, Map.of(
                // as shipped in config/application.properties (the test kit sets one for the other tests)
                "hub.security.admin-key", "",
                "hub.security.api-keys-file", keys.toString()));
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldCloseAdminPathsToEveryoneUntilAnAdminKeyIsSet() {
        for (String key : new String[] {null, "file-writer", "", RunningHub.ADMIN_KEY}) {
            HttpResponse<String> replay = post("/admin/replay/order-events", key);
            JsonNode problem = ProblemAssert.assertProblem(replay, 403, "/admin/replay/order-events");
            assertThat(problem.get("detail").asText()).as("names the setting that opens it")
                    .contains("hub.security.admin-key").contains("HUB_SECURITY_ADMIN_KEY");
        }
        ProblemAssert.assertProblem(post("/%61dmin/replay/order-events", null), 403, "/%61dmin/replay/order-events");
        ProblemAssert.assertProblem(post("/admin/samples/payment/faults", null), 403, "/admin/samples/payment/faults");
    }

    @Test
    void shouldSendSecurityHeadersOnEveryAnswerRefusalsIncluded() {
        for (HttpResponse<String> answer : List.of(hub.get("/observe/health"), hub.get("/api/no-such-path"),
                hub.get("/admin/replay/order-events"))) {
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).as(answer.uri().getPath()).hasValue("nosniff");
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(answer.uri().getPath()).hasValueSatisfying(
                    csp -> assertThat(csp).contains("default-src 'self';").contains("frame-ancestors 'none'")
                            .doesNotContain("unsafe-inline"));
            assertThat(answer.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            // HSTS only where TLS is on (it.TlsTest): over plain HTTP it would be ignored, or worse, cached by a proxy
            assertThat(answer.headers().firstValue("Strict-Transport-Security")).isEmpty();
        }
    }

    @Test
    void shouldTakeApiKeysFromAFile() {
        HttpResponse<String> anonymous = hub.send(user(null));
        ProblemAssert.assertProblem(anonymous, 401, "/users");
        ProblemAssert.assertProblem(hub.send(user("file-gateway")), 403, "/users");
        ProblemAssert.assertProblem(hub.send(user("# one key per line")), 403, "/users");
        assertThat(hub.send(user("file-writer")).statusCode()).isEqualTo(201);
    }

    @Test
    void shouldRefuseToStartWithAKeyFileThatCannotBeRead() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunningHub.start(workDir.resolve("bad"),
                        Map.of("hub.security.admin-key", "", "hub.security.admin-key-file", workDir.resolve("missing").toString())))
                .hasStackTraceContaining("hub.security.admin-key-file");
    }

    private static HttpRequest user(String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(hub.uri("/users")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"F\",\"email\":\"file-" + System.nanoTime() + "@example.com\"}"));
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return request.build();
    }

    private static HttpResponse<String> post(String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(hub.uri(path)).POST(HttpRequest.BodyPublishers.noBody());
        if (key != null && !key.isEmpty()) {
            request.header("X-API-Key", key);
        }
        return hub.send(request.build());
    }
}
