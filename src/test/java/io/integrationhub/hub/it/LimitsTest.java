package io.integrationhub.hub.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import hub.users.v1.GetUserRequest;
import hub.users.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.SharedHub;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each limit of what a client may send, past its setting, gives a clear answer and leaves the hub
 * serving: headers (431), JSON nesting (400 problem), a WebSocket frame (close 1009), a gRPC
 * message (RESOURCE_EXHAUSTED). Run on the shipped defaults, which the settings name.
 */
@ExtendWith(SharedHub.class)
class LimitsTest {

    private static RunningHub hub;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startHub() {
        hub = SharedHub.hub();
    }

    @Test
    void shouldAnswer431ToHeadersPastTheLimit() throws Exception {
        // hub.http.max-header-bytes = 8192. Vert.x closes the connection after the 431 (without saying
        // so in a header), so this test has a client of its own rather than the shared one's pool.
        HttpResponse<String> big = http.send(HttpRequest.newBuilder(hub.uri("/observe/health")).timeout(Duration.ofSeconds(10))
                .header("X-Big", "x".repeat(9000)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(431);
        HttpResponse<String> fits = hub.send(HttpRequest.newBuilder(hub.uri("/observe/health")).timeout(Duration.ofSeconds(10))
                .header("X-Big", "x".repeat(7000)).GET().build());
        assertThat(fits.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer400ProblemToJsonNestedPastTheLimit() {
        // hub.http.max-json-depth = 32
        String deep = "{\"name\":\"Deep\",\"email\":\"deep@example.com\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}";
        HttpResponse<String> refused = hub.send(HttpRequest.newBuilder(hub.uri("/users")).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(deep)).build());
        assertThat(ProblemAssert.assertProblem(refused, 400, "/users").get("detail").asText())
                .contains("deeper than 32").contains("hub.http.max-json-depth");

        String shallow = "{\"name\":\"Shallow\",\"email\":\"shallow@example.com\",\"x\":" + "[".repeat(20) + "]".repeat(20) + "}";
        HttpResponse<String> schemaChecked = hub.send(HttpRequest.newBuilder(hub.uri("/users")).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(shallow)).build());
        assertThat(ProblemAssert.assertProblem(schemaChecked, 400, "/users").get("detail").asText())
                .as("within the depth, the schema check speaks").doesNotContain("deeper than");
    }

    @Test
    void shouldCloseAWebSocketThatSendsAMessagePastTheLimit() throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create("ws://localhost:" + hub.port() + "/ws/users"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closed.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closed.completeExceptionally(error);
                    }
                }).get(10, TimeUnit.SECONDS);
        // hub.http.max-websocket-message-bytes = 65536: Java's client sends it as frames of 16 KiB
        socket.sendText("x".repeat(100_000), true);
        assertThat(closed.get(10, TimeUnit.SECONDS)).as("close code: message too big").isEqualTo(1009);
        assertThat(hub.get("/observe/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldCloseAWebSocketThatSendsOneFramePastTheFrameLimit() throws Exception {
        // hub.http.max-websocket-frame-bytes = 16384; Java's client never sends a frame that big, so by hand
        try (java.net.Socket socket = new java.net.Socket("localhost", hub.port())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            var in = socket.getInputStream();
            out.write(("GET /ws/users HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StringBuilder handshake = new StringBuilder();
            while (!handshake.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the handshake's answer ends with an empty line").isNotNegative();
                handshake.append((char) b);
            }
            assertThat(handshake.toString()).startsWith("HTTP/1.1 101");
            int length = 20_000;
            java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
            frame.write(0x81); // FIN, text
            frame.write(0x80 | 126); // masked, 16-bit length
            frame.write(length >> 8);
            frame.write(length & 0xff);
            frame.write(new byte[4]); // mask 0: the payload goes as it is
            frame.write(new byte[length]);
            out.write(frame.toByteArray());
            out.flush();
            byte[] close = in.readNBytes(4);
            assertThat(close[0] & 0xff).as("a close frame").isEqualTo(0x88);
            assertThat(((close[2] & 0xff) << 8) | (close[3] & 0xff)).as("close code: message too big").isEqualTo(1009);
        }
    }

    @Test
    void shouldRefuseAGrpcMessagePastTheLimitWithResourceExhausted() {
        // hub.grpc.max-inbound-bytes = 65536
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", hub.grpcPort()).usePlaintext().build();
        try {
            UserServiceGrpc.UserServiceBlockingStub stub = UserServiceGrpc.newBlockingStub(channel);
            assertThatThrownBy(() -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getUser(GetUserRequest.newBuilder().setId("x".repeat(70_000)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            // the server still takes calls within the limit
            assertThatThrownBy(() -> stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getUser(GetUserRequest.newBuilder().setId("no-such-user").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        } finally {
            channel.shutdownNow();
        }
    }
}
