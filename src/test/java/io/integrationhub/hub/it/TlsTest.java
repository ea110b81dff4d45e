package io.integrationhub.hub.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import hub.users.v1.GetUserRequest;
import hub.users.v1.User;
import hub.users.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.TestCertificates;
import io.integrationhub.hub.testkit.UserApi;
import io.integrationhub.hub.testkit.WebSocketClient;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The hub with {@code hub.tls.enabled=true} on a self-signed key store made at test time, and mutual
 * TLS on gRPC ({@code hub.tls.client-auth=required}): real clients call over HTTPS, WSS and gRPC-TLS;
 * the hub's own calls (the stand-ins of point-to-point and the saga, the order view's legs, the gRPC
 * bridge) go over TLS to itself; plain HTTP and plain gRPC to its ports are refused.
 */
@ExtendWith(KafkaTestKit.class)
class TlsTest {

    private static final String PASSWORD = "test-tls-password";

    @TempDir
    static Path workDir;

    private static Path keyStore;
    private static RunningHub hub;

    @BeforeAll
    static void startHub() {
        keyStore = TestCertificates.selfSigned(workDir.resolve("tls/hub.p12"), "hub", PASSWORD);
        String suffix = Long.toString(System.nanoTime(), 36);
        hub = RunningHub.start(workDir, Map.of(
                "hub.tls.enabled", "true",
                "hub.tls.keystore", keyStore.toString(),
                "hub.tls.keystore-password", PASSWORD,
                "hub.tls.client-auth", "required",
                "hub.eventlog.topics", "user-events-tls-" + suffix + ",order-events-tls-" + suffix,
                "hub.saga.topic", "order-events-tls-" + suffix,
                "hub.eventlog.group", "tls-" + suffix,
                "hub.cqrs.topic", "user-events-tls-" + suffix,
                "hub.cqrs.projector.group", "tls-projector-" + suffix));
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldServeHealthMetricsAndTheApiOverHttpsOnly() throws Exception {
        assertThat(hub.uri("/").getScheme()).isEqualTo("https");
        HttpResponse<String> health = hub.get("/observe/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
        assertThat(hub.get("/observe/metrics").body()).contains("camel_exchanges_total");
        // the hub's own HTTPS call to the stand-in service B (hub.self-url turned https by itself)
        HttpResponse<String> data = hub.get("/api/p2p/data");
        assertThat(data.statusCode()).isEqualTo(200);

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + hub.port() + "/observe/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        // a client that does not trust the hub's certificate is refused by its own TLS, not answered
        HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(hub.uri("/observe/health"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void shouldStreamOverWssAndAnswerThroughTheGrpcBridgeOverMutualTls() throws Exception {
        UserApi users = new UserApi(hub);
        String id = "tls-" + System.nanoTime();
        try (WebSocketClient socket = WebSocketClient.connect(hub, "/ws/users")) {
            assertThat(users.create(id, "Tls User", id + "@example.com").statusCode()).isEqualTo(201);
            String frame = socket.next(30);
            assertThat(frame).isNotNull().contains(id);
        }
        // GET /api/users/{id} is the gRPC bridge: the hub calls its own gRPC server over TLS, with its certificate
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.get("/api/users/" + id).statusCode() == 200);
        assertThat(UserApi.read(hub.get("/api/users/" + id).body()).get("name").asText()).isEqualTo("Tls User");

        ManagedChannel mutual = NettyChannelBuilder.forAddress("localhost", hub.grpcPort())
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
                        .trustManager(TestCertificates.trust(keyStore, PASSWORD))
                        .keyManager(TestCertificates.keys(keyStore, PASSWORD))).build())
                .build();
        ManagedChannel noCertificate = NettyChannelBuilder.forAddress("localhost", hub.grpcPort())
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
                        .trustManager(TestCertificates.trust(keyStore, PASSWORD))).build())
                .build();
        ManagedChannel plain = NettyChannelBuilder.forAddress("localhost", hub.grpcPort()).usePlaintext().build();
        try {
            User user = UserServiceGrpc.newBlockingStub(mutual).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getUser(GetUserRequest.newBuilder().setId(id).build());
            assertThat(user.getEmail()).isEqualTo(id + "@example.com");
            for (ManagedChannel refused : new ManagedChannel[] {noCertificate, plain}) {
                assertThatThrownBy(() -> UserServiceGrpc.newBlockingStub(refused).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getUser(GetUserRequest.newBuilder().setId(id).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            }
        } finally {
            for (ManagedChannel channel : new ManagedChannel[] {mutual, noCertificate, plain}) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void shouldRunTheSagaAndTheOrderViewThroughItsOwnHttpsCalls() {
        OrderApi orders = new OrderApi(hub);
        HttpResponse<String> placed = orders.place(OrderApi.order("u-tls", "SKU-1", 1, "5.00"));
        assertThat(placed.statusCode()).isEqualTo(202);
        String orderId = UserApi.read(placed.body()).get("orderId").asText();
        // payment and stock reserved at the stand-ins, called over HTTPS by saga-http
        assertThat(orders.awaitEnded(orderId, Duration.ofSeconds(60)).get("status").asText()).isEqualTo("CONFIRMED");

        // the order view's legs call the hub's own /api/orders and the payment stand-in over HTTPS
        HttpResponse<String> view = hub.get("/api/order-views/" + orderId);
        assertThat(view.statusCode()).as(view.body()).isEqualTo(200);
        JsonNode body = UserApi.read(view.body());
        assertThat(body.toString()).contains(orderId);
    }
}
