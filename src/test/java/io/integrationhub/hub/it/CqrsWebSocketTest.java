package io.integrationhub.hub.it;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.integrationhub.hub.cqrs.query.UserEventStream;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import io.integrationhub.hub.testkit.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** WebSocket /ws/users with a client that never reads: it is dropped, and the others keep getting every event. */
@ExtendWith(KafkaTestKit.class)
class CqrsWebSocketTest {

    @TempDir
    Path workDir;

    @Test
    void shouldDropAClientThatDoesNotReadWithoutStallingTheOthers() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", "user-events-ws-" + suffix + ",order-events-ws-" + suffix);
        settings.put("hub.saga.topic", "order-events-ws-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        settings.put("hub.eventlog.group", "ws-" + suffix);
        settings.put("hub.cqrs.topic", "user-events-ws-" + suffix);
        settings.put("hub.cqrs.projector.group", "ws-projector-" + suffix);
        settings.put("hub.cqrs.websocket.max-queued-bytes", "65536");

        try (RunningHub hub = RunningHub.start(workDir, settings);
             Socket stalled = stalledClient(hub);
             WebSocketClient reader = WebSocketClient.connect(hub, "/ws/users")) {
            UserEventStream stream = hub.context().getRegistry().lookupByNameAndType("userEventStream", UserEventStream.class);
            await().until(() -> stream.clientCount() == 2);

            // far more than the stalled client's socket buffers hold, sent straight to the stream at
            // the pace the reading client keeps up with
            String filler = "{\"event\":\"Filler\",\"data\":\"" + "x".repeat(4000) + "\"}";
            for (int i = 0; i < 500 && stream.clientCount() == 2; i++) {
                for (int j = 0; j < 10; j++) {
                    stream.broadcast(filler);
                }
                for (int j = 0; j < 10; j++) {
                    assertThat(reader.next(10)).as("the reading client gets every frame").isEqualTo(filler);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.clientCount() == 1);
            assertThat(stream.droppedCount()).isEqualTo(1);

            // the feed reads from the newest record once its partitions are assigned, which may come after
            // a client dropped this early: write users until the reading client gets one of them
            List<String> created = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                String id = "after-drop-" + suffix + "-" + created.size();
                assertThat(new UserApi(hub).create(id, "Still served", id + "@example.com").statusCode()).isEqualTo(201);
                created.add(id);
                for (String frame = reader.next(1); frame != null; frame = reader.next(0)) {
                    String f = frame;
                    if (f.contains("\"UserCreated\"") && created.stream().anyMatch(f::contains)) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    /** A WebSocket client that completes the handshake, then never reads again, with a tiny receive buffer. */
    private static Socket stalledClient(RunningHub hub) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress("localhost", hub.port()), 5000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /ws/users HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 101");
        return socket;
    }
}
