package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import static org.awaitility.Awaitility.await;

/**
 * The built fat jar run as users run it: {@code java -jar} in a folder holding copies of config/
 * and routes/, settings on the command line and in the environment, output in {@code hub.log}.
 */
public final class HubProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;
    private final int grpcPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HubProcess(Process process, Path log, int port, int grpcPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.grpcPort = grpcPort;
    }

    /** Port of the hub's gRPC server. */
    public int grpcPort() {
        return grpcPort;
    }

    /** What a test does in the work folder after config/ and routes/ are copied, before the jar starts. */
    @FunctionalInterface
    public interface Prepare {
        void run() throws IOException;
    }

    /** Starts the jar named by system property {@code hub.jar} (set by failsafe) in {@code workDir}. */
    public static HubProcess start(Path workDir, int port, Map<String, String> settings, Map<String, String> env) {
        return start(workDir, port, settings, env, () -> { });
    }

    /** As {@link #start(Path, int, Map, Map)}, with {@code prepare} run on the work folder first. */
    public static HubProcess start(Path workDir, int port, Map<String, String> settings, Map<String, String> env,
            Prepare prepare) {
        try {
            copy(Path.of("config"), workDir.resolve("config"));
            copy(Path.of("routes"), workDir.resolve("routes"));
            prepare.run();
            Path jar = Path.of(System.getProperty("hub.jar")).toAbsolutePath();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
            // as the README's run command: the class-data-sharing archive the build wrote beside the jar
            Path archive = jar.resolveSibling(jar.getFileName().toString().replaceFirst("\\.jar$", ".jsa"));
            if (Files.isRegularFile(archive)) {
                command.add("-XX:SharedArchiveFile=" + archive);
            }
            // JVM options of the test build (pom.xml test.jit: C1 only, to spare the 2-core machine C2's
            // compiling in these short runs); none in the benchmark profile
            String options = System.getProperty("hub.test.jar-jvm-options", "").trim();
            if (!options.isEmpty()) {
                command.addAll(List.of(options.split("\\s+")));
            }
            command.addAll(List.of("-jar", jar.toString(), "--camel.server.port=" + port));
            Map<String, String> all = new java.util.LinkedHashMap<>();
            // the gRPC server of each hub on a port of its own, so hubs of parallel tests never collide
            all.put("hub.grpc.port", String.valueOf(RunningHub.freePort()));
            all.putAll(LocalServices.forkBrokerNames());
            // the Kafka consumers of a killed jar are given up after 6 s (the broker's smallest session
            // timeout) instead of the default 10: a restarted jar waits that long for its partitions
            all.put("hub.eventlog.session-timeout-ms", "6000");
            // a third of it between heartbeats, as Kafka advises (its default, 3 s, is a third of 10 s)
            all.put("camel.component.kafka.heartbeatIntervalMs", "2000");
            all.putAll(settings);
            all.forEach((k, v) -> command.add("--" + k + "=" + v));
            Path log = workDir.resolve("hub.log");
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            return new HubProcess(pb.start(), log, port, Integer.parseInt(all.get("hub.grpc.port")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until {@code /observe/health/ready} answers 200. Fails at once when the process exits (a refused
     * start), and either way with the end of the hub's log, which says why.
     */
    public HubProcess awaitReady(Duration within) {
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(100))
                    .failFast("the hub process exited", () -> !process.isAlive())
                    .until(() -> status("/observe/health/ready") == 200);
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new AssertionError("The hub was not ready within " + within + " ("
                    + (process.isAlive() ? "still running" : "exited with code " + process.exitValue())
                    + "); the end of its log:\n" + logTail(80), e);
        }
        return this;
    }

    /** The last {@code lines} lines of the hub's log. */
    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    public int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Sends a request and reads the answer as text. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpClient http() {
        return http;
    }

    public Process process() {
        return process;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: the process dies at once, nothing is acknowledged or flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, then SIGKILL after {@code grace}: the hub stops its routes (and a flight recording is written). */
    public void stop(java.time.Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static void copy(Path source, Path target) throws IOException {
        List<Path> paths = new ArrayList<>();
        try (var walk = Files.walk(source)) {
            walk.forEach(paths::add);
        }
        for (Path p : paths) {
            Path dest = target.resolve(source.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(dest);
            } else {
                Files.copy(p, dest, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
