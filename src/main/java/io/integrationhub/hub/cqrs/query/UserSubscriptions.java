package io.integrationhub.hub.cqrs.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventEnvelope;
import io.integrationhub.hub.common.EventRecords;
import io.integrationhub.hub.cqrs.api.UserEvents;
import io.integrationhub.hub.cqrs.query.UserGraphQl.Subscription;
import io.integrationhub.hub.cqrs.query.UserGraphQl.UserChange;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GraphQL subscriptions over the graphql-ws protocol ({@code graphql-transport-ws},
 * github.com/enisdenjo/graphql-ws PROTOCOL.md) at {@code ws://<hub>/graphql}, beside {@code POST /graphql}
 * on the same port: {@code subscription { userChanged { id name email updatedAt deleted } }} gets a
 * {@code next} message for every user change once the read model has applied it, fed by the same
 * feed as {@code /ws/users} ({@link UserEventFeed}), with the same slow-client policy (a client whose
 * send queue passes {@code hub.cqrs.websocket.max-queued-bytes} is closed, 1008) and client limit.
 * <p>
 * Written by hand on the Vert.x router, as {@link UserEventStream}: no Java server of graphql-ws is
 * on Maven Central for this stack, the protocol is six message types, and the socket must share the
 * HTTP port. Protocol errors close the socket with the protocol's codes: 4400 bad message, 4401 a
 * subscribe before {@code connection_init}, 4408 no {@code connection_init} in time, 4409 an id in
 * use, 4429 a second {@code connection_init}.
 */
public class UserSubscriptions extends ServiceSupport {

    public static final String PROTOCOL = "graphql-transport-ws";
    private static final Logger LOG = LoggerFactory.getLogger(UserSubscriptions.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final long INIT_TIMEOUT_MS = 10_000;

    private final CamelContext context;
    private final int port;
    private final String path;
    private final UserGraphQl graphQl;
    private final int maxClients;
    private final int maxQueuedBytes;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger subscriptionCount = new AtomicInteger();

    /** One socket: whether it said connection_init, and its subscriptions by id. */
    private static final class Client {
        final ServerWebSocket socket;
        volatile boolean acknowledged;
        final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

        Client(ServerWebSocket socket) {
            this.socket = socket;
        }
    }

    public UserSubscriptions(CamelContext context, int port, String path, UserGraphQl graphQl, int maxClients,
                             int maxQueuedBytes) {
        this.context = context;
        this.port = port;
        this.path = path;
        this.graphQl = graphQl;
        this.maxClients = maxClients;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /** Mounts the socket on the router (GET with an upgrade); called once the HTTP server has started. */
    public void mount() {
        UserEventStream.router(context, port, path).route(HttpMethod.GET, path).handler(this::upgrade);
        LOG.info("GraphQL subscriptions (graphql-ws) on ws://…:{}{}", port, path);
    }

    /** Clients and subscriptions to feed: none, and the feed need not wait for the read model. */
    public int subscriptionCount() {
        return subscriptionCount.get();
    }

    private void upgrade(RoutingContext rc) {
        if (!"websocket".equalsIgnoreCase(rc.request().getHeader("Upgrade"))) {
            HttpErrorResponses.answer(rc, 400, "Bad Request", "GET " + path + " is GraphQL subscriptions over a WebSocket "
                    + "(graphql-ws protocol); queries are POST " + path);
            return;
        }
        String protocols = rc.request().getHeader("Sec-WebSocket-Protocol");
        if (protocols == null || !List.of(protocols.split("\\s*,\\s*")).contains(PROTOCOL)) {
            HttpErrorResponses.answer(rc, 400, "Bad Request", "ask for WebSocket subprotocol " + PROTOCOL
                    + " (a graphql-ws client does)");
            return;
        }
        if (!isRunAllowed() || clients.size() >= maxClients) {
            HttpErrorResponses.answer(rc, 503, "Service Unavailable",
                    "the hub serves at most " + maxClients + " subscription clients; try again later");
            return;
        }
        rc.request().toWebSocket().onSuccess(socket -> connected(rc, socket))
                .onFailure(e -> LOG.warn("WebSocket upgrade on {} failed: {}", path, e.toString()));
    }

    private void connected(RoutingContext rc, ServerWebSocket socket) {
        Client client = new Client(socket);
        socket.setWriteQueueMaxSize(maxQueuedBytes);
        clients.add(client);
        socket.closeHandler(v -> forget(client));
        socket.exceptionHandler(e -> {
            LOG.debug("graphql-ws client {} failed: {}", socket.remoteAddress(), e.toString());
            forget(client);
        });
        rc.vertx().setTimer(INIT_TIMEOUT_MS, t -> {
            if (!client.acknowledged && !socket.isClosed()) {
                close(client, 4408, "Connection initialisation timeout");
            }
        });
        socket.textMessageHandler(text -> received(client, text));
        socket.binaryMessageHandler(b -> close(client, 4400, "graphql-ws messages are text"));
    }

    private void received(Client client, String text) {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (Exception e) {
            close(client, 4400, "not JSON");
            return;
        }
        String type = message.path("type").asText("");
        String id = message.path("id").asText(null);
        switch (type) {
            case "connection_init" -> {
                if (client.acknowledged) {
                    close(client, 4429, "Too many initialisation requests");
                    return;
                }
                client.acknowledged = true;
                send(client, Map.of("type", "connection_ack"));
            }
            case "ping" -> send(client, Map.of("type", "pong"));
            case "pong" -> {
                // an answer to nothing we sent: fine
            }
            case "subscribe" -> subscribe(client, id, message.path("payload"));
            case "complete" -> {
                if (id != null && client.subscriptions.remove(id) != null) {
                    subscriptionCount.decrementAndGet();
                }
            }
            default -> close(client, 4400, "unknown message type '" + type + "'");
        }
    }

    @SuppressWarnings("unchecked")
    private void subscribe(Client client, String id, JsonNode payload) {
        if (!client.acknowledged) {
            close(client, 4401, "Unauthorized");
            return;
        }
        if (id == null || id.isBlank() || !payload.path("query").isTextual()) {
            close(client, 4400, "subscribe needs an id and a payload with a query");
            return;
        }
        Subscription subscription = new Subscription(payload.path("query").asText(),
                payload.path("variables").isObject() ? JSON.convertValue(payload.path("variables"), Map.class) : null,
                payload.path("operationName").isTextual() ? payload.path("operationName").asText() : null);
        List<Map<String, Object>> errors = graphQl.check(subscription);
        if (!errors.isEmpty()) {
            send(client, Map.of("id", id, "type", "error", "payload", errors));
            return;
        }
        if (client.subscriptions.putIfAbsent(id, subscription) != null) {
            close(client, 4409, "Subscriber for " + id + " already exists");
            return;
        }
        subscriptionCount.incrementAndGet();
    }

    /** Sends each subscription its answer to one user event (a Kafka record value); never blocks. */
    public void publish(String record) {
        if (subscriptionCount.get() == 0) {
            return;
        }
        UserChange change;
        try {
            change = change(EventRecords.envelope(record));
        } catch (Exception e) {
            LOG.debug("not a user event, not sent to subscriptions: {}", e.toString());
            return;
        }
        for (Client client : clients) {
            for (Map.Entry<String, Subscription> s : client.subscriptions.entrySet()) {
                send(client, Map.of("id", s.getKey(), "type", "next", "payload", graphQl.answer(s.getValue(), change)));
            }
        }
    }

    static UserChange change(EventEnvelope event) {
        JsonNode data = event.data();
        boolean deleted = UserEvents.DELETED.equals(event.event());
        List<String> changed = new ArrayList<>(2);
        if (UserEvents.CREATED.equals(event.event())) {
            changed.addAll(List.of("name", "email"));
        } else if (!deleted) {
            data.path("changedFields").forEach(f -> changed.add(f.asText())); // v1 events are upcast with both
        }
        return new UserChange(data.path("id").asText(), deleted ? null : data.path("name").asText(null),
                deleted ? null : data.path("email").asText(null),
                deleted ? data.path("deletedAt").asText(event.occurredAt()) : data.path("updatedAt").asText(event.occurredAt()),
                deleted, event.event(), changed);
    }

    private void send(Client client, Map<String, Object> message) {
        if (client.socket.writeQueueFull()) {
            LOG.warn("graphql-ws client {} dropped: it reads slower than changes arrive ({} bytes queued)",
                    client.socket.remoteAddress(), maxQueuedBytes);
            close(client, 1008, "too slow: send queue full");
            return;
        }
        try {
            client.socket.writeTextMessage(JSON.writeValueAsString(message));
        } catch (Exception e) {
            LOG.debug("graphql-ws send to {} failed: {}", client.socket.remoteAddress(), e.toString());
        }
    }

    private void close(Client client, int code, String reason) {
        forget(client);
        if (!client.socket.isClosed()) {
            client.socket.close((short) code, reason);
        }
    }

    private void forget(Client client) {
        if (clients.remove(client)) {
            subscriptionCount.addAndGet(-client.subscriptions.size());
            client.subscriptions.clear();
        }
    }

    @Override
    protected void doStart() {
        // mounted by the startup listener once the router exists
    }

    @Override
    protected void doStop() {
        for (Client client : clients) {
            close(client, 1001, "hub shutting down");
        }
    }
}
