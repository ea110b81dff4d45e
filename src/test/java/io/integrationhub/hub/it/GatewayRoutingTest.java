package io.integrationhub.hub.it;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/gateway/{service}/**} against a real HTTP service that echoes what it received: each
 * method, the path, the query, the body and the end-to-end headers arrive; hop-by-hop ones do not;
 * the service's status comes back as it is; an unknown service is 404.
 */
@ExtendWith(KafkaTestKit.class)
class GatewayRoutingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;

    private static HttpServer echo;
    private static RunningHub hub;

    @BeforeAll
    static void start() throws Exception {
        echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        echo.setExecutor(Executors.newCachedThreadPool());
        echo.createContext("/echo", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            Map<String, Object> seen = new java.util.LinkedHashMap<>();
            seen.put("method", exchange.getRequestMethod());
            seen.put("path", exchange.getRequestURI().getPath());
            seen.put("query", String.valueOf(exchange.getRequestURI().getRawQuery()));
            seen.put("body", body.toString(StandardCharsets.UTF_8));
            seen.put("headers", exchange.getRequestHeaders().keySet().stream().map(String::toLowerCase).sorted().toList());
            seen.put("xTrace", String.valueOf(exchange.getRequestHeaders().getFirst("X-Trace")));
            byte[] answer = JSON.writeValueAsBytes(seen);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/missing") ? 404 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        echo.start();
        hub = RunningHub.start(workDir, Map.of("hub.gateway.services",
                "echo=http://127.0.0.1:" + echo.getAddress().getPort() + "/echo"));
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
        if (echo != null) {
            echo.stop(0);
        }
    }

    @Test
    void shouldForwardEachMethodWithPathQueryBodyAndEndToEndHeaders() {
        for (String method : new String[] {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
            boolean withBody = !method.equals("GET") && !method.equals("DELETE");
            HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/api/gateway/echo/items/42?page=2&sort=name"))
                    .header("X-Trace", "t-1").header("Content-Type", "application/json")
                    .method(method, withBody ? HttpRequest.BodyPublishers.ofString("{\"n\":1}") : HttpRequest.BodyPublishers.noBody())
                    .build());
            assertThat(response.statusCode()).as(method).isEqualTo(200);
            JsonNode seen = UserApi.read(response.body());
            assertThat(seen.get("method").asText()).isEqualTo(method);
            assertThat(seen.get("path").asText()).isEqualTo("/echo/items/42");
            assertThat(seen.get("query").asText()).isEqualTo("page=2&sort=name");
            assertThat(seen.get("xTrace").asText()).isEqualTo("t-1");
            if (withBody) {
                assertThat(seen.get("body").asText()).isEqualTo("{\"n\":1}");
            }
            assertThat(seen.get("headers").toString()).doesNotContain("\"upgrade\"").doesNotContain("x-api-key");
        }
    }

    @Test
    void shouldPassTheServicesOwnStatusBackAndRefuseAnUnknownService() {
        assertThat(hub.get("/api/gateway/echo/missing").statusCode()).isEqualTo(404);
        JsonNode problem = ProblemAssert.assertProblem(hub.get("/api/gateway/nothing/x"), 404, "/api/gateway/nothing/x");
        assertThat(problem.get("detail").asText()).contains("nothing");
    }
}
