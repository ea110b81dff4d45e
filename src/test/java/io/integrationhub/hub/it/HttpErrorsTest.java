package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;

import static io.integrationhub.hub.testkit.ProblemAssert.assertProblem;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Errors raised before any route runs still answer application/problem+json: 404, 405 with Allow, 413. */
@ExtendWith(KafkaTestKit.class)
class HttpErrorsTest {

    @TempDir
    Path workDir;

    private RunningHub hub;

    @BeforeEach
    void startHub() {
        hub = RunningHub.start(workDir, Map.of("camel.server.maxBodySize", "1024"), new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/test/echo?httpMethodRestrict=POST").routeId("test-echo")
                        .convertBodyTo(String.class)
                        .setBody(simple("${body.length()}", String.class));
            }
        });
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void shouldAnswer404ProblemForAnUnknownPath() throws Exception {
        HttpResponse<String> response = hub.get("/api/no-such-thing");

        assertProblem(response, 404, "/api/no-such-thing");
    }

    @Test
    void shouldAnswer405ProblemWithAllowForAWrongMethod() throws Exception {
        HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/api/p2p/data"))
                .DELETE().build());

        assertProblem(response, 405, "/api/p2p/data");
        assertThat(response.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void shouldAnswer413ProblemForABodyAboveTheLimit() throws Exception {
        HttpResponse<String> small = hub.send(HttpRequest.newBuilder(hub.uri("/test/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build());
        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(small.body()).isEqualTo("100");

        HttpResponse<String> large = hub.send(HttpRequest.newBuilder(hub.uri("/test/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(4096))).build());

        assertProblem(large, 413, "/test/echo");
    }
}
