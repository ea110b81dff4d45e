package io.integrationhub.hub.infra;

import io.vertx.core.http.HttpServerOptions;

/**
 * What the HTTP port accepts at the connection level, before any route runs: the size of a
 * request's headers ({@code hub.http.max-header-bytes}; past it Vert.x answers 431), and the frames
 * and messages a WebSocket client may send ({@code hub.http.max-websocket-frame-bytes},
 * {@code hub.http.max-websocket-message-bytes}; past them the socket is closed with 1009 "message too
 * big"). Bodies have their limits per route (413).
 */
public final class HttpLimits {

    private volatile int maxHeaderBytes = HttpServerOptions.DEFAULT_MAX_HEADER_SIZE;
    private volatile int maxWebSocketFrameBytes = HttpServerOptions.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE;
    private volatile int maxWebSocketMessageBytes = HttpServerOptions.DEFAULT_MAX_WEBSOCKET_MESSAGE_SIZE;

    void set(int headerBytes, int frameBytes, int messageBytes) {
        if (messageBytes < frameBytes) {
            throw new IllegalArgumentException("Setting hub.http.max-websocket-message-bytes (" + messageBytes
                    + ") must be at least hub.http.max-websocket-frame-bytes (" + frameBytes + ")");
        }
        this.maxHeaderBytes = headerBytes;
        this.maxWebSocketFrameBytes = frameBytes;
        this.maxWebSocketMessageBytes = messageBytes;
    }

    /**
     * Applies the limits to the options of the server about to be created. HTTP/2 over cleartext
     * (h2c: an {@code Upgrade: h2c} request, which Java's HttpClient sends by default) is turned off:
     * measured with Vert.x 4 here, a request upgraded that way skipped the header limit (a 9 KB header
     * answered 200), and the next request on that connection was never answered. HTTP/1.1 has
     * every limit (with TLS too: ALPN stays off, so HTTPS is HTTP/1.1); HTTP/2 is gRPC's, on its own port.
     */
    HttpServerOptions applyTo(HttpServerOptions options) {
        // the WebSocket subprotocol of GraphQL subscriptions (graphql-ws): a client that asks for it gets it
        // named in the handshake answer, as graphql-ws clients and browsers require
        return options.setHttp2ClearTextEnabled(false)
                .addWebSocketSubProtocol("graphql-transport-ws")
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxWebSocketFrameSize(maxWebSocketFrameBytes)
                .setMaxWebSocketMessageSize(maxWebSocketMessageBytes);
    }
}
