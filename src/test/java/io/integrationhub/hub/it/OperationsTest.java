package io.integrationhub.hub.it;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.SharedHub;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.support.DefaultEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Health, readiness, liveness and Prometheus metrics of a running hub, and the truth they tell when a dependency is down. */
@ExtendWith(SharedHub.class)
class OperationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    @Test
    void shouldReportUpWithOneCheckPerDependencyAndRoute() throws Exception {
        RunningHub hub = SharedHub.hub();
        HttpResponse<String> health = hub.get("/observe/health");

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.get("status").asText()).isEqualTo("UP");
        assertThat(check(body, "datasource").get("status").asText()).isEqualTo("UP");
        assertThat(check(body, "kafka").get("status").asText()).isEqualTo("UP");
        assertThat(check(body, "route:p2p-data").get("status").asText()).isEqualTo("UP");
        assertThat(hub.get("/observe/health/live").statusCode()).isEqualTo(200);
        assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldBeAliveButNotReadyWhenKafkaIsUnreachable() throws Exception {
        String nowhere = "127.0.0.1:" + RunningHub.freePort();
        try (RunningHub hub = RunningHub.start(workDir, Map.of("hub.kafka.brokers", nowhere))) {
            HttpResponse<String> ready = hub.get("/observe/health/ready");

            assertThat(ready.statusCode()).isEqualTo(503);
            JsonNode kafka = check(JSON.readTree(hub.get("/observe/health").body()), "kafka");
            assertThat(kafka.get("status").asText()).isEqualTo("DOWN");
            assertThat(kafka.toString()).contains(nowhere);
            assertThat(hub.get("/observe/health/live").statusCode()).isEqualTo(200);
            // the HTTP routes serve all the same
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldExportPerRouteExchangeCountsInPrometheusFormat() throws Exception {
        RunningHub hub = SharedHub.hub();
        // the hub is shared with other test classes: count what these three calls add
        double before = p2pExchanges(hub.get("/observe/metrics").body());
        for (int i = 0; i < 3; i++) {
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
        }

        HttpResponse<String> metrics = hub.get("/observe/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(p2pExchanges(metrics.body())).isEqualTo(before + 3);
        assertThat(metrics.body()).contains("camel_route_policy_seconds");
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void shouldStartWhileABrokerIsDownAndStartItsRouteOnceItIsBack() throws Exception {
        AtomicBoolean brokerUp = new AtomicBoolean(false);
        RouteBuilder routes = new RouteBuilder() {
            @Override
            public void configure() {
                getContext().addComponent("flaky", new FlakyBrokerComponent(brokerUp));
                from("flaky:orders").routeId("test-flaky-consumer").log("${body}");
            }
        };
        try (RunningHub hub = RunningHub.start(workDir, Map.of("camel.routecontroller.backOffDelay", "200",
                "camel.routecontroller.backOffMultiplier", "1"), routes)) {
            // the hub started and serves, the route waits for its broker and says so
            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
            assertThat(hub.context().getRouteController().getRouteStatus("test-flaky-consumer"))
                    .isNotEqualTo(ServiceStatus.Started);
            await().untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(503));

            brokerUp.set(true);

            await().untilAsserted(() -> assertThat(hub.context().getRouteController()
                    .getRouteStatus("test-flaky-consumer")).isEqualTo(ServiceStatus.Started));
            await().untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200));
        }
    }

    /** {@code camel_exchanges_total} of the point-to-point route, 0 before its first exchange. */
    private static double p2pExchanges(String metrics) {
        return metrics.lines()
                .filter(l -> l.startsWith("camel_exchanges_total{") && l.contains("routeId=\"p2p-data\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.get("checks")) {
            if (name.equals(check.get("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no health check " + name + " in " + health);
    }

    /** A consumer that cannot connect while its "broker" is down, as a RabbitMQ or NATS consumer would. */
    static final class FlakyBrokerComponent extends DefaultComponent {
        private final AtomicBoolean brokerUp;

        FlakyBrokerComponent(AtomicBoolean brokerUp) {
            this.brokerUp = brokerUp;
        }

        @Override
        protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
            return new DefaultEndpoint(uri, this) {
                @Override
                public Producer createProducer() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Consumer createConsumer(Processor processor) {
                    return new DefaultConsumer(this, processor) {
                        @Override
                        protected void doStart() throws Exception {
                            if (!brokerUp.get()) {
                                throw new java.net.ConnectException("broker down");
                            }
                            super.doStart();
                        }
                    };
                }
            };
        }
    }
}
