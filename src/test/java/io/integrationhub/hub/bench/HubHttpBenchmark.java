package io.integrationhub.hub.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.bench.BenchFigures.Run;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static io.integrationhub.hub.bench.BenchFigures.*;

/**
 * Benchmark harness, part one: the hub as a whole (time from {@code java -jar} to ready, resident
 * memory idle and under load with -Xmx256m) and HTTP point-to-point through the hub against calling
 * the same downstream directly, alternated direct/hub in pairs after a warm-up, at two payload
 * sizes. Runs the built jar as a separate process; writes {@code docs/benchmarks.md}.
 * Run with {@code ./mvnw -B -Pbench verify}. Never part of the test suite: numbers, not assertions.
 */
@ExtendWith(KafkaTestKit.class)
class HubHttpBenchmark {

    private static final int PAIRS = 3;
    private static final Duration WARM_UP = Duration.ofSeconds(5);
    /**
     * Load on the hub before point-to-point is measured: from ready on, point-to-point keeps getting faster
     * for about a minute while the JIT compiles its path (docs/benchmarks-tuning.md); measured after 5 s, the
     * figures were the JIT's, not the hub's.
     */
    private static final Duration HUB_WARM_UP = Duration.ofSeconds(Long.getLong("bench.p2p.warm-up-seconds", 60));
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final int CONCURRENCY = 16;
    private static final int STARTS = 3;

    @TempDir
    Path workDir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(4)).build();

    @Test
    void measure() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n")
          .append("Measured by the harness in `src/test/java/io/integrationhub/hub/bench/`, command:\n\n")
          .append("```bash\n./mvnw -B -Pbench verify -Dit.test=HubHttpBenchmark\n```\n\n")
          .append("It runs the built jar as its own process (`java -Xmx256m -XX:SharedArchiveFile=target/integration-hub.jsa -jar target/integration-hub.jar`, the README's run command, ")
          .append("default settings, not Camel's dev profile) and rewrites this page. Machine: ")
          .append(machine()).append(". Java ").append(System.getProperty("java.version"))
          .append(", Camel 4.17.0, Kafka 3.9.1. Measured on ").append(LocalDate.now()).append(".\n\n");

        if (!extraSettings().isEmpty()) {
            md.append("Hub settings tried against the defaults in this run: `").append(extraSettings()).append("`.\n\n");
        }
        if (!TransportBenchmarks.QUICK && TransportBenchmarks.runs("startup")) {
            startup(md);
        }
        if (!TransportBenchmarks.QUICK && TransportBenchmarks.runs("point-to-point")) {
            pointToPoint(md);
        }
        long rssTransports = new TransportBenchmarks(workDir, extraSettings()).measure(md);
        md.append("\nResident memory of that hub process (`VmRSS`, -Xmx256m): ").append(rssTransports / 1024)
          .append(" MB at most over the transport runs.\n\n");

        md.append("## Reading these figures\n\nThe targets, what limits the hub where it misses them, and each change ")
          .append("measured before and after: [benchmarks-tuning.md](benchmarks-tuning.md).\n");
        if (!TransportBenchmarks.QUICK && TransportBenchmarks.ONLY.isEmpty()) {
            Files.writeString(Path.of("docs/benchmarks.md"), md.toString());
        }
        System.out.println(md);
    }

    private void startup(StringBuilder md) throws Exception {
        md.append("## Start-up and memory\n\n")
          .append("Time from starting the process to `GET /observe/health/ready` answering 200 (every check UP), ")
          .append(STARTS).append(" starts each, fresh working folder each time. The harness's own JVM (with the ")
          .append("test kit's Kafka) runs beside the hub on the same 2 cores; docs/operations.md has the figures ")
          .append("of a quiet machine.\n\n")
          .append("| setup | ready after (min / median / max) |\n|---|---|\n");
        List<Long> external = new ArrayList<>();
        List<Long> embedded = new ArrayList<>();
        for (int i = 0; i < STARTS; i++) {
            external.add(timeToReady(Map.of("hub.kafka.embedded", "false", "hub.kafka.brokers", KafkaTestKit.bootstrapServers())));
            embedded.add(timeToReady(Map.of(
                    "hub.kafka.embedded.port", String.valueOf(RunningHub.freePort()),
                    "hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()))));
        }
        md.append("| external Kafka, H2 | ").append(spread(external, " ms")).append(" |\n");
        md.append("| embedded Kafka broker (default), H2 | ").append(spread(embedded, " ms")).append(" |\n\n");
    }

    private long timeToReady(Map<String, String> settings) throws Exception {
        Path dir = Files.createTempDirectory(workDir, "start");
        long start = System.nanoTime();
        try (HubProcess hub = HubProcess.start(dir, RunningHub.freePort(), settings, Map.of())) {
            await(hub, Duration.ofSeconds(90));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            hub.process().destroy();
            hub.process().waitFor(60, TimeUnit.SECONDS);
            return ms;
        }
    }

    private void pointToPoint(StringBuilder md) throws Exception {
        md.append("## HTTP point-to-point\n\n")
          .append("`GET /api/p2p/data` through the hub against `GET /data` straight on the same downstream ")
          .append("(a JDK HttpServer in the harness's JVM). ").append(CONCURRENCY)
          .append(" concurrent clients (").append(hasWrk() ? "wrk, 2 threads" : "Java HttpClient")
          .append(", HTTP/1.1, keep-alive) on the same machine; ")
          .append(HUB_WARM_UP.toSeconds()).append(" s warm-up of the hub (the JIT's first minute), ")
          .append(WARM_UP.toSeconds()).append(" s of the direct call, then ").append(PAIRS)
          .append(" pairs of ").append(RUN.toSeconds()).append(" s runs alternating direct, hub. ")
          .append("Ratio = hub/direct throughput within a pair (median, min–max). CPU = user+system seconds of ")
          .append("the hub process per 1,000 requests. The load driver, the downstream and the hub share 2 cores.\n\n")
          .append("| payload | direct req/s | hub req/s | ratio hub/direct | direct p50 / p99 | hub p50 / p99 | hub CPU-s per 1,000 req |\n")
          .append("|---|---|---|---|---|---|---|\n");
        long rssIdle = 0;
        long rssLoad = 0;
        for (int payload : new int[] {256, 4096}) {
            HttpServer downstream = downstream(payload);
            Path dir = Files.createTempDirectory(workDir, "p2p");
            int port = RunningHub.freePort();
            Map<String, String> settings = new java.util.HashMap<>(extraSettings());
            settings.put("hub.kafka.embedded", "false");
            settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
            try (HubProcess hub = HubProcess.start(dir, port, settings,
                    Map.of("HUB_SERVICE_B_URL", "http://127.0.0.1:" + downstream.getAddress().getPort()))) {
                await(hub, Duration.ofSeconds(60));
                if (rssIdle == 0) {
                    rssIdle = rssKiB(hub.process().pid());
                }
                URI direct = URI.create("http://127.0.0.1:" + downstream.getAddress().getPort() + "/data");
                URI viaHub = URI.create("http://127.0.0.1:" + port + "/api/p2p/data");
                load(direct, WARM_UP, 0);
                load(viaHub, HUB_WARM_UP, 0);
                List<Run> directRuns = new ArrayList<>();
                List<Run> hubRuns = new ArrayList<>();
                for (int i = 0; i < PAIRS; i++) {
                    directRuns.add(load(direct, RUN, 0));
                    hubRuns.add(load(viaHub, RUN, hub.process().pid()));
                    rssLoad = Math.max(rssLoad, rssKiB(hub.process().pid()));
                }
                List<Double> ratios = new ArrayList<>();
                for (int i = 0; i < PAIRS; i++) {
                    ratios.add(hubRuns.get(i).throughput() / directRuns.get(i).throughput());
                }
                Run d = median(directRuns);
                Run h = median(hubRuns);
                md.append(String.format("| %d B | %.0f | %.0f | %.2f (%.2f–%.2f) | %.2f / %.2f ms | %.2f / %.2f ms | %.3f |%n",
                        payload, d.throughput(), h.throughput(), medianOf(ratios), min(ratios), max(ratios),
                        d.p50Ms(), d.p99Ms(), h.p50Ms(), h.p99Ms(), medianCpu(hubRuns)));
                hub.process().destroy();
                hub.process().waitFor(60, TimeUnit.SECONDS);
            } finally {
                downstream.stop(0);
            }
        }
        md.append("\nTargets (issue 14): ratio ≥ 0.30 and ≤ 0.12 ms of hub CPU per request with the breaker on, ")
          .append("RSS ≤ 350 MB under load with -Xmx256m, ready ≤ 3 s with the embedded broker. The hub path makes ")
          .append("two HTTP hops (client → hub → downstream) where the direct call makes one, all on 2 shared cores.\n");
        md.append("\nResident memory of the hub process (`VmRSS`, -Xmx256m, external Kafka): ")
          .append(rssIdle / 1024).append(" MB idle after start, ").append(rssLoad / 1024)
          .append(" MB at most under the point-to-point load.\n\n");
    }

    /** Settings to try against the defaults: {@code -Dbench.settings=key=value,key=value}. */
    private static Map<String, String> extraSettings() {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        String spec = System.getProperty("bench.settings", "");
        for (String pair : spec.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                settings.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return settings;
    }

    private Run load(URI target, Duration duration, long pid) throws Exception {
        if (hasWrk()) {
            long cpuBefore = pid == 0 ? 0 : cpuTicks(pid);
            Run run = BenchFigures.wrk(target, CONCURRENCY, (int) duration.toSeconds(), null);
            double cpuSeconds = pid == 0 ? 0 : (cpuTicks(pid) - cpuBefore) / (double) CLOCK_TICKS_PER_SECOND;
            double requests = run.throughput() * duration.toSeconds();
            return new Run(run.throughput(), run.p50Ms(), run.p99Ms(), requests == 0 ? 0 : cpuSeconds / (requests / 1000.0));
        }
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long cpuBefore = pid == 0 ? 0 : cpuTicks(pid);
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        CountDownLatch finished = new CountDownLatch(CONCURRENCY);
        HttpRequest request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build();
        for (int t = 0; t < CONCURRENCY; t++) {
            pool.execute(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        try {
                            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() == 200) {
                                recorder.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                                done.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await(duration.toSeconds() + 30, TimeUnit.SECONDS);
        pool.shutdownNow();
        Histogram h = recorder.getIntervalHistogram();
        double cpuSeconds = pid == 0 ? 0 : (cpuTicks(pid) - cpuBefore) / (double) CLOCK_TICKS_PER_SECOND;
        if (errors.get() > 0) {
            System.out.printf("%s: %d errors%n", target, errors.get());
        }
        return new Run(done.get() / (double) duration.toSeconds(), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, done.get() == 0 ? 0 : cpuSeconds / (done.get() / 1000.0));
    }

    private HttpServer downstream(int payload) throws IOException {
        // without TCP_NODELAY the JDK server's header and body segments meet delayed ACKs: 40 ms per call
        System.setProperty("sun.net.httpserver.nodelay", "true");
        String pad = "x".repeat(Math.max(0, payload - 20));
        byte[] body = ("{\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/data", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static void await(HubProcess hub, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (hub.status("/observe/health/ready") != 200) {
            if (System.nanoTime() > deadline || !hub.process().isAlive()) {
                throw new IllegalStateException("hub not ready; its log:\n" + hub.log());
            }
            Thread.onSpinWait();
        }
    }

    private static String machine() throws IOException {
        String model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 2)).orElse("?");
        long memKiB = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
        return Runtime.getRuntime().availableProcessors() + " cores (" + model + "), " + (memKiB / 1024 / 1024) + " GiB";
    }

    private static String spread(List<Long> values, String unit) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return sorted.get(0) + unit + " / " + sorted.get(sorted.size() / 2) + unit + " / " + sorted.get(sorted.size() - 1) + unit;
    }
}
