package io.integrationhub.hub.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.infra.SpanStore;
import io.integrationhub.hub.infra.TracingConfiguration;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code hub.tracing.otlp-endpoint} set, spans also leave the hub as OTLP/HTTP (protobuf) POSTs
 * to that endpoint; and a hub left alone (its timers polling the outbox, leases, purges) records no
 * trace at all. The receiving end is the JDK's HTTP server standing in for a collector: what is
 * asserted is what the hub sends, which needs no collector to check.
 */
@ExtendWith(KafkaTestKit.class)
class TracingExportTest {

    @TempDir
    Path workDir;

    private record Post(String path, String contentType, int bytes) {
    }

    @Test
    void shouldSendSpansToTheOtlpEndpointAndMakeNoTraceWhileIdle() throws Exception {
        List<Post> posts = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                posts.add(new Post(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Content-Type"),
                        body.readAllBytes().length));
            } catch (IOException e) {
                posts.add(new Post(exchange.getRequestURI().getPath(), "unreadable", -1));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try (RunningHub hub = RunningHub.start(workDir, Map.of("hub.tracing.otlp-endpoint",
                "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces",
                "hub.outbox.poll-ms", "50",
                // the request below is a read: recorded at this ratio (the default records 1 in 20)
                "hub.tracing.read-sampling-ratio", "1.0"))) {
            SpanStore store = hub.context().getRegistry().lookupByNameAndType(TracingConfiguration.STORE, SpanStore.class);
            // idle: the outbox relay polls every 50 ms, leases renew; none of it is a trace
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> store.find(null, 100).isEmpty());

            assertThat(hub.get("/api/p2p/data").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> !posts.isEmpty());
            assertThat(posts.get(0).contentType()).isEqualTo("application/x-protobuf");
            assertThat(posts.get(0).bytes()).isPositive();
            assertThat(store.find(null, 100)).hasSize(1);
        } finally {
            collector.stop(0);
        }
    }
}
