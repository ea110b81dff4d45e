package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one hub on the test defaults ({@link RunningHub#defaults}, nothing overridden)
 * per test JVM, shared by every test class that declares
 * {@code @ExtendWith(SharedHub.class)} and closed when the run ends (after the
 * last class, before the Kafka test kit it uses: the root store closes in reverse order).
 *
 * <p>For classes that only call the hub the way a client would and keep apart by their own ids
 * (unique keys, users, orders): a class that changes the hub itself (advises or stops a route,
 * breaks a dependency, needs settings of its own, counts every row of a table) starts its own
 * {@link RunningHub}. Each hub boot costs 2–4 s of CPU on this 2-core machine (Flyway on a new
 * database, 130 routes, their consumers); the suite is CPU-bound, so a boot saved is time saved.
 */
public final class SharedHub implements BeforeAllCallback {

    private static volatile RunningHub hub;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // Kafka first: the shared hub's defaults point at the test kit's cluster
        new KafkaTestKit().beforeAll(context);
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedHub.class, k -> start(), Running.class);
    }

    /** The shared hub; only valid inside a class that uses this extension. */
    public static RunningHub hub() {
        if (hub == null) {
            throw new IllegalStateException("shared hub not started: annotate the test class with "
                    + "@ExtendWith(SharedHub.class)");
        }
        return hub;
    }

    private static Running start() {
        try {
            Path workDir = Files.createTempDirectory("shared-hub-");
            hub = RunningHub.start(workDir, Map.of());
            return new Running(hub, workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Running(RunningHub hub, Path workDir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                hub.close();
            } finally {
                SharedHub.hub = null;
                try (Stream<Path> files = Files.walk(workDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
