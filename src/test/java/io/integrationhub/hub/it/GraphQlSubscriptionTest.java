package io.integrationhub.hub.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.cqrs.query.UserSubscriptions;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GraphQL subscriptions over graphql-ws at ws://…/graphql: a real client (the npm graphql-ws package)
 * gets a user's creation, change and deletion once applied; protocol misuse and invalid
 * subscriptions get the protocol's answers.
 */
@ExtendWith(KafkaTestKit.class)
class GraphQlSubscriptionTest {

    private static final Path CLIENTS = Path.of("src/test/browser");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static String suffix;

    @BeforeAll
    static void startHub() {
        suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.eventlog.topics", "user-events-gq-" + suffix + ",order-events-gq-" + suffix);
        settings.put("hub.saga.topic", "order-events-gq-" + suffix);
        settings.put("hub.saga.choreography.group", "choreo-" + suffix);
        settings.put("hub.eventlog.group", "gq-" + suffix);
        settings.put("hub.cqrs.topic", "user-events-gq-" + suffix);
        settings.put("hub.cqrs.projector.group", "gq-projector-" + suffix);
        hub = RunningHub.start(workDir, settings);
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void shouldSendAGraphqlWsClientEveryChangeOfAUserOnceApplied() throws Exception {
        if (!Files.isDirectory(CLIENTS.resolve("node_modules/graphql-ws"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(CLIENTS.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(npm.waitFor(3, TimeUnit.MINUTES) && npm.exitValue() == 0).as("npm ci: " + out).isTrue();
        }
        String prefix = "gq-" + suffix + "-";
        Process client = new ProcessBuilder("node", "graphql-ws-client.mjs", hub.webSocketUri("/graphql").toString(),
                prefix, "60000").directory(CLIENTS.toFile()).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            UserSubscriptions subscriptions = hub.context().getRegistry().lookupByNameAndType("userSubscriptions",
                    UserSubscriptions.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> subscriptions.subscriptionCount() == 1);

            // the feed reads from the newest record once its partitions are assigned: write users until
            // the client gets one of them
            UserApi users = new UserApi(hub);
            List<String> created = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String id = prefix + created.size();
                assertThat(users.create(id, "Ada", id + "@example.com").statusCode()).isEqualTo(201);
                created.add(id);
                return lines.stream().anyMatch(l -> l.contains("\"id\":\"" + prefix));
            });
            String id = created.stream().filter(c -> lines.stream().anyMatch(l -> l.contains("\"id\":\"" + c + "\"")))
                    .findFirst().orElseThrow();
            assertThat(users.update(id, "Ada Lovelace", "ada@analytical.example").statusCode()).isEqualTo(200);
            // as on /ws/users, a change older than what the read model holds by the time it is sent is not
            // sent: the deletion waits for the update to arrive
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains("Ada Lovelace")));
            assertThat(users.delete(id).statusCode()).isEqualTo(204);

            assertThat(client.waitFor(30, TimeUnit.SECONDS)).as(String.join("\n", lines)).isTrue();
            reader.join(5000);
            assertThat(client.exitValue()).as(String.join("\n", lines)).isZero();
            List<JsonNode> changes = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("{")) {
                    JsonNode change = JSON.readTree(line).path("data").path("userChanged");
                    if (change.path("id").asText().equals(id)) {
                        changes.add(change);
                    }
                }
            }
            assertThat(changes).hasSize(3);
            assertThat(changes.get(0).get("name").asText()).isEqualTo("Ada");
            assertThat(changes.get(0).get("deleted").asBoolean()).isFalse();
            assertThat(changes.get(1).get("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(changes.get(1).get("email").asText()).isEqualTo("ada@analytical.example");
            assertThat(changes.get(0).get("changedFields").toString()).isEqualTo("[\"name\",\"email\"]");
            assertThat(changes.get(1).get("changedFields").toString()).as("UserUpdated v2 says what changed")
                    .isEqualTo("[\"name\",\"email\"]");
            assertThat(changes.get(2).get("changedFields").toString()).isEqualTo("[]");
            assertThat(changes.get(2).get("deleted").asBoolean()).isTrue();
            assertThat(changes.get(2).get("name").isNull()).isTrue();
            assertThat(changes.get(2).get("updatedAt").asText()).isNotBlank();
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    void shouldAnswerInvalidSubscriptionsWithAnErrorAndProtocolMisuseWithItsCloseCodes() throws Exception {
        try (Protocol ws = Protocol.connect(hub)) {
            ws.send("{\"type\":\"connection_init\"}");
            assertThat(ws.next()).isEqualTo("{\"type\":\"connection_ack\"}");
            ws.send("{\"type\":\"ping\"}");
            assertThat(ws.next()).isEqualTo("{\"type\":\"pong\"}");

            ws.send("{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { userChanged { password } }\"}}");
            JsonNode error = JSON.readTree(ws.next());
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("id").asText()).isEqualTo("1");
            assertThat(error.get("payload").get(0).get("message").asText()).contains("password");

            ws.send("{\"id\":\"2\",\"type\":\"subscribe\",\"payload\":{\"query\":\"{ users(first: 1) { edges { cursor } } }\"}}");
            assertThat(JSON.readTree(ws.next()).get("payload").get(0).get("message").asText()).contains("POST /graphql");

            ws.send("{\"id\":\"3\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { userChanged { id } }\"}}");
            ws.send("{\"id\":\"3\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { userChanged { id } }\"}}");
            assertThat(ws.closed()).isEqualTo(4409);
        }
        try (Protocol ws = Protocol.connect(hub)) {
            ws.send("{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription { userChanged { id } }\"}}");
            assertThat(ws.closed()).as("subscribe before connection_init").isEqualTo(4401);
        }
        try (Protocol ws = Protocol.connect(hub)) {
            ws.send("not json");
            assertThat(ws.closed()).isEqualTo(4400);
        }
        HttpResponse<String> plainGet = hub.get("/graphql");
        assertThat(plainGet.statusCode()).isEqualTo(400);
        assertThat(plainGet.body()).contains("graphql-ws");
    }

    /** The protocol spoken by hand, to see what a client library would hide. */
    private static final class Protocol implements AutoCloseable, WebSocket.Listener {
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static Protocol connect(RunningHub hub) throws Exception {
            Protocol protocol = new Protocol();
            protocol.socket = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("graphql-transport-ws")
                    .buildAsync(URI.create(hub.webSocketUri("/graphql").toString()), protocol).get(10, TimeUnit.SECONDS);
            assertThat(protocol.socket.getSubprotocol()).isEqualTo("graphql-transport-ws");
            return protocol;
        }

        void send(String text) {
            socket.sendText(text, true).join();
        }

        String next() throws InterruptedException {
            String message = messages.poll(10, TimeUnit.SECONDS);
            assertThat(message).as("a message within 10 s").isNotNull();
            return message;
        }

        int closed() throws Exception {
            return closed.get(15, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void close() {
            if (!socket.isOutputClosed()) {
                socket.abort();
            }
        }
    }
}
