package io.integrationhub.hub.cqrs.query;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.integrationhub.hub.common.HttpErrorResponses;
import io.integrationhub.hub.common.Spans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket {@code /ws/users} on the hub's HTTP port: every connected client gets each user event
 * (the envelope as on Kafka) as a JSON text frame, once the projector has applied it.
 * <p>
 * Written against the platform-http Vert.x router rather than with camel-vertx-websocket because
 * the socket must share port 8080 with the HTTP routes (that component starts a server of its own)
 * and because a slow client must be dropped: Vert.x writes never block the sender, they queue per
 * socket, and a socket whose queue passes {@code hub.cqrs.ws.max-queued-bytes} is closed (1008)
 * instead of growing without bound. The others are not affected either way.
 */
public class UserEventStream extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(UserEventStream.class);
    private static final short POLICY_VIOLATION = 1008;
    private static final short MESSAGE_TOO_BIG = 1009;
    private static final short GOING_AWAY = 1001;

    private final CamelContext context;
    private final int port;
    private final String path;
    private final int maxClients;
    private final int maxQueuedBytes;
    private final int maxMessageBytes;
    private final Set<ServerWebSocket> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();

    public UserEventStream(CamelContext context, int port, String path, int maxClients, int maxQueuedBytes) {
        this(context, port, path, maxClients, maxQueuedBytes, Integer.MAX_VALUE);
    }

    /** @param maxMessageBytes most bytes of one message a client may send (hub.http.max-websocket-message-bytes) */
    public UserEventStream(CamelContext context, int port, String path, int maxClients, int maxQueuedBytes,
            int maxMessageBytes) {
        this.context = context;
        this.port = port;
        this.path = path;
        this.maxClients = maxClients;
        this.maxQueuedBytes = maxQueuedBytes;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Mounts the socket on the router; called once the HTTP server has started. */
    public void mount() {
        router(context, port, path).route(HttpMethod.GET, path).handler(this::upgrade);
        LOG.info("WebSocket {} serving user events on port {}", path, port);
    }

    /** The Vert.x router of the hub's HTTP server on {@code port}, where a socket at {@code path} is mounted. */
    static VertxPlatformHttpRouter router(CamelContext context, int port, String path) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            router = VertxPlatformHttpRouter.lookup(context);
        }
        if (router == null) {
            throw new IllegalStateException("no platform-http server on port " + port + " to serve " + path);
        }
        return router;
    }

    private void upgrade(RoutingContext rc) {
        if (!"websocket".equalsIgnoreCase(rc.request().getHeader("Upgrade"))) {
            HttpErrorResponses.answer(rc, 400, "Bad Request", path + " is a WebSocket: connect with a WebSocket client");
            return;
        }
        if (!isRunAllowed() || clients.size() >= maxClients) {
            HttpErrorResponses.answer(rc, 503, "Service Unavailable",
                    "the hub serves at most " + maxClients + " WebSocket clients; try again later");
            return;
        }
        rc.request().toWebSocket().onSuccess(this::connected)
                .onFailure(e -> LOG.warn("WebSocket upgrade on {} failed: {}", path, e.toString()));
    }

    private void connected(ServerWebSocket socket) {
        socket.setWriteQueueMaxSize(maxQueuedBytes);
        clients.add(socket);
        socket.closeHandler(v -> clients.remove(socket));
        socket.exceptionHandler(e -> {
            LOG.debug("WebSocket client {} failed: {}", socket.remoteAddress(), e.toString());
            clients.remove(socket);
            if (e instanceof CorruptedWebSocketFrameException corrupt) {
                // a frame past hub.http.max-websocket-frame-bytes, or a broken one: say so with its close
                // status (1009 message too big, 1002 protocol error) rather than only dropping the socket
                socket.close((short) corrupt.closeStatus().code(), corrupt.closeStatus().reasonText());
            }
        });
        // The stream is one-way: what a client sends is ignored, but counted, frame by frame. Vert.x's own
        // message limit (when it joins the frames) reports an over-long message as a bare exception and
        // leaves the socket open; here the client is told 1009 (message too big) and the socket closed.
        long[] messageBytes = {0};
        socket.frameHandler(frame -> {
            if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
                return;
            }
            messageBytes[0] += frame.binaryData().length();
            if (messageBytes[0] > maxMessageBytes) {
                clients.remove(socket);
                socket.close(MESSAGE_TOO_BIG, "message too big: at most " + maxMessageBytes + " bytes");
            } else if (frame.isFinal()) {
                messageBytes[0] = 0;
            }
        });
        LOG.debug("WebSocket client {} connected to {} ({} connected)", socket.remoteAddress(), path, clients.size());
    }

    /** Sends one frame to every client; a client whose send queue is full is dropped. Never blocks. */
    public void broadcast(String frame) {
        Span span = Spans.child("WebSocket " + path + " send", SpanKind.PRODUCER);
        span.setAttribute("hub.websocket.clients", clients.size());
        try {
            send(frame);
        } finally {
            span.end();
        }
    }

    private void send(String frame) {
        for (ServerWebSocket socket : clients) {
            if (socket.writeQueueFull()) {
                clients.remove(socket);
                dropped.incrementAndGet();
                LOG.warn("WebSocket client {} dropped: it reads slower than events arrive ({} bytes queued)",
                        socket.remoteAddress(), maxQueuedBytes);
                socket.close(POLICY_VIOLATION, "too slow: send queue full");
            } else {
                socket.writeTextMessage(frame);
            }
        }
    }

    public int clientCount() {
        return clients.size();
    }

    public long droppedCount() {
        return dropped.get();
    }

    @Override
    protected void doStart() {
        // mounted by the startup listener once the router exists
    }

    @Override
    protected void doStop() {
        for (ServerWebSocket socket : clients) {
            socket.close(GOING_AWAY, "hub shutting down");
        }
        clients.clear();
    }
}
