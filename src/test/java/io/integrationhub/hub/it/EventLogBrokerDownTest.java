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

/** Kafka unreachable: the hub starts, appending an event answers 503 and nothing is stored. */
@ExtendWith(KafkaTestKit.class)
class EventLogBrokerDownTest {

    @TempDir
    Path workDir;

    @Test
    void shouldAnswer503WhileKafkaIsUnreachable() {
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.kafka.brokers", "127.0.0.1:" + RunningHub.freePort(),
                "hub.eventlog.max-block-ms", "1000"))) {
            ProblemAssert.assertProblem(hub.send(HttpRequest.newBuilder(hub.uri("/api/events/user-events"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"u-1\",\"event\":\"EntryPosted\",\"data\":{}}"))
                    .build()), 503, "/api/events/user-events");
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        }
    }
}
