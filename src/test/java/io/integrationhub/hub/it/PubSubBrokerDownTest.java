package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** NATS unreachable: the hub starts, its subscriber routes wait (DOWN), publishing answers 503. */
@ExtendWith(KafkaTestKit.class)
class PubSubBrokerDownTest {

    @TempDir
    Path workDir;

    @Test
    void shouldStartAndRefuseToPublishWhileNatsIsUnreachable() throws Exception {
        try (RunningHub hub = RunningHub.start(workDir,
                Map.of("hub.nats.servers", "nats://127.0.0.1:" + RunningHub.freePort()))) {
            assertThat(hub.context().getRouteController().getRouteStatus("pubsub-audit").isStarted()).isFalse();
            assertThat(hub.get("/observe/health").body()).contains("\"name\":\"nats\",\"status\":\"DOWN\"");

            ProblemAssert.assertProblem(hub.send(HttpRequest.newBuilder(hub.uri("/api/pubsub/orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"o-1\"}")).build()), 503, "/api/pubsub/orders");
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        }
    }
}
