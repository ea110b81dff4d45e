package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/users/{id} with no gRPC server at hub.grpc.user-service.target: 503, and the rest of the hub serves on. */
@ExtendWith(KafkaTestKit.class)
class GrpcBridgeUnreachableTest {

    @TempDir
    Path workDir;

    @Test
    void shouldAnswer503WhenTheUserServiceCannotBeReached() {
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.grpc.user-service.target", "127.0.0.1:" + RunningHub.freePort()))) {
            JsonNode problem = ProblemAssert.assertProblem(hub.get("/api/users/u-1"), 503, "/api/users/u-1");
            assertThat(problem.get("detail").asText()).contains("user service is unavailable");
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        }
    }
}
