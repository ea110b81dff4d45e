package io.integrationhub.hub.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real WebSocket client (the JDK's) that keeps every text frame it receives, in order. */
public final class WebSocketClient implements AutoCloseable {

    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final WebSocket socket;
    private volatile Integer closeCode;

    private WebSocketClient(URI uri, HttpClient client) {
        StringBuilder partial = new StringBuilder();
        this.socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            frames.add(partial.toString());
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closeCode = statusCode;
                        return null;
                    }
                }).join();
    }

    public static WebSocketClient connect(RunningHub hub, String path) {
        return new WebSocketClient(hub.webSocketUri(path), hub.httpClient());
    }

    /** A client of any hub (a jar started by a test, say) at {@code uri}. */
    public static WebSocketClient connect(URI uri) {
        return new WebSocketClient(uri, HttpClient.newHttpClient());
    }

    /** The next frame, waiting up to {@code seconds}; null when none came. */
    public String next(long seconds) throws InterruptedException {
        return frames.poll(seconds, TimeUnit.SECONDS);
    }

    public Integer closeCode() {
        return closeCode;
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
