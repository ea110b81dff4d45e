package io.integrationhub.hub.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A port of the hub is taken (or not allowed): the hub does not start without its listener. */
public final class PortNotBoundException extends RuntimeException {

    public PortNotBoundException(int port, String setting, String host, String why) {
        super("cannot listen on " + (host == null || host.isBlank() ? "0.0.0.0" : host) + ":" + port + " (" + why + "): free the port or move it with "
                + setting + "=<port>");
    }

    /**
     * Fails unless {@code host:port} can be bound right now. Camel 4.17's HTTP and gRPC servers
     * report a bind failure only in a log line (Vert.x callback, supervised route retries) and let
     * the hub run on without the listener; this check, made just before they bind, stops the start
     * instead. The window between the check and their bind is microseconds; a race lost there
     * falls back to Camel's behaviour.
     */
    public static void requireFree(String host, int port, String setting) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // as Netty does: a closed server's TIME_WAIT does not block us
            socket.bind(host == null || host.isBlank() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new PortNotBoundException(port, setting, host, e.getMessage() == null ? "in use" : e.getMessage());
        }
    }
}
