package io.integrationhub.hub.it;

import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import hub.users.v1.GetUserRequest;
import hub.users.v1.User;
import hub.users.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built fat jar, started as users start it ({@code java -jar} from a folder holding config/
 * and routes/), with its embedded Kafka broker: it becomes healthy, takes settings from the
 * environment and the command line, serves the point-to-point route, a CQRS write read back
 * through GraphQL and gRPC GetUser (a shading mistake in gRPC's service files fails here), and on SIGTERM finishes the request in flight before it exits.
 */
class HubJarIT {

    @TempDir
    Path workDir;

    private HttpServer serviceB;

    @AfterEach
    void stopServiceB() {
        if (serviceB != null) {
            serviceB.stop(0);
        }
    }

    @Test
    void shouldRunFromTheJarAndFinishInFlightRequestsOnSigterm() throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        serviceB = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serviceB.setExecutor(Executors.newCachedThreadPool());
        serviceB.createContext("/data", exchange -> {
            requestArrived.countDown();
            awaitQuietly(release); // the request stays in flight until the hub is shutting down
            byte[] body = "{\"from\":\"real service B\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        serviceB.start();

        int port = RunningHub.freePort();
        long started = System.nanoTime();
        try (HubProcess hub = HubProcess.start(workDir, port,
                Map.of("hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()),
                        "hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()),
                        // the request held in flight until the stop began is not cut by the 5 s default
                        "hub.http.read-timeout-ms", "30000"),
                // settings from the environment: point-to-point goes to the test's service B, not the stand-in
                Map.of("HUB_SERVICE_B_URL", "http://127.0.0.1:" + serviceB.getAddress().getPort()))) {
            hub.awaitReady(Duration.ofSeconds(60));
            System.out.printf("hub jar healthy %d ms after start (embedded Kafka included)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

            // CQRS through the shaded jar (graphql-java, its schema resource, the outbox relay, the projector)
            HttpResponse<String> created = hub.http().send(HttpRequest.newBuilder(hub.uri("/users"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"jar-user\",\"name\":\"Jar User\",\"email\":\"jar@example.com\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(hub.http().send(
                    HttpRequest.newBuilder(hub.uri("/graphql")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"{ user(id: \\\"jar-user\\\") { name } }\"}"))
                            .build(), HttpResponse.BodyHandlers.ofString()).body())
                    .isEqualTo("{\"data\":{\"user\":{\"name\":\"Jar User\"}}}"));

            // gRPC from the shaded jar (its service files merged), called with a plain grpc-java stub
            ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", hub.grpcPort()).usePlaintext().build();
            try {
                User user = UserServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getUser(GetUserRequest.newBuilder().setId("jar-user").build());
                assertThat(user.getEmail()).isEqualTo("jar@example.com");
            } finally {
                channel.shutdownNow();
            }
            // and the jar's own gRPC client (name resolver and load balancer found through service files)
            HttpResponse<String> bridged = hub.http().send(HttpRequest.newBuilder(hub.uri("/api/users/jar-user")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bridged.statusCode()).isEqualTo(200);
            assertThat(bridged.body()).contains("\"email\":\"jar@example.com\"");

            CompletableFuture<HttpResponse<String>> inFlight = hub.http().sendAsync(
                    HttpRequest.newBuilder(hub.uri("/api/p2p/data")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(requestArrived.await(10, TimeUnit.SECONDS)).isTrue();

            hub.process().destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.log().contains("JVM shutdown hook triggered by SIGTERM"));
            release.countDown();

            HttpResponse<String> response = inFlight.get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("real service B");
            assertThat(hub.process().waitFor(40, TimeUnit.SECONDS)).as("hub exits after SIGTERM").isTrue();
            assertThat(hub.log()).contains("Integration hub started")
                    .contains("p2p-data [Started] from file:routes/p2p.camel.yaml")
                    .contains("Apache Camel 4.17.0 (integration-hub) shutdown");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
