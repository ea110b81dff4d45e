package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A NATS server with JetStream of one test's own (the machine's {@code nats-server} binary, the
 * same that serves 127.0.0.1:4222), on a free port with its store in the test's folder, so a test
 * can kill it and start it again without touching the shared server.
 */
public final class NatsServerProcess implements AutoCloseable {

    private static final String BINARY = System.getenv().getOrDefault("HUB_TEST_NATS_SERVER", "/usr/sbin/nats-server");
    private final Path storeDir;
    private final int port;
    private Process process;

    private NatsServerProcess(Path storeDir, int port) {
        this.storeDir = storeDir;
        this.port = port;
    }

    /** Starts a server with JetStream, store under {@code dir}. */
    public static NatsServerProcess start(Path dir) {
        NatsServerProcess server = new NatsServerProcess(dir.toAbsolutePath(), RunningHub.freePort());
        server.startAgain();
        return server;
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** SIGKILL: the server dies at once; what JetStream acknowledged is in its store files. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts the server again on the same port and store. */
    public void startAgain() {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException("nats-server not found at " + BINARY + " (Debian package nats-server; "
                    + "or set HUB_TEST_NATS_SERVER)");
        }
        try {
            Files.createDirectories(storeDir);
            process = new ProcessBuilder(BINARY, "-a", "127.0.0.1", "-p", String.valueOf(port), "-js",
                    "-sd", storeDir.toString(), "-l", storeDir.resolve("nats-server.log").toString())
                    .redirectErrorStream(true).redirectOutput(storeDir.resolve("nats-server.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> LocalServices.reachable("127.0.0.1", port));
    }

    /** The server's log (all its runs), for a failing test to show. */
    public String log() {
        try {
            return Files.readString(storeDir.resolve("nats-server.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
