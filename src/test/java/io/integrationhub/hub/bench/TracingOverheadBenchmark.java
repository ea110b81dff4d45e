package io.integrationhub.hub.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What tracing costs (issue 16): the jar with tracing off, on at its defaults (writes and messages
 * all recorded, HTTP reads 1 in 20; in-process hops make no span), and on with every read recorded
 * ({@code hub.tracing.read-sampling-ratio=1.0}), alternated over rounds, one jar at a time,
 * on the two paths the issue names:
 * <ul>
 *   <li>point-to-point {@code GET /api/p2p/data} (platform-http → breaker → http → the stand-in's
 *   platform-http route), {@value #CALLERS} callers: at saturation (each caller sends its next request
 *   when it has its answer; requests per second, which the load generator on the same 2 cores also
 *   shapes) and at a fixed offered load (each caller pauses {@value #PAUSE_MS} ms between requests,
 *   about 1,000 requests/s, below every mode's ceiling): the hub's CPU per request there is the
 *   steadier figure, and the one the overhead is stated in;</li>
 *   <li>the event log's Kafka projection: {@value #RECORDS} records, each with a sampled
 *   {@code traceparent} as the outbox gives them, produced at once and timed until all are applied in SQL.</li>
 * </ul>
 * Writes {@code docs/benchmarks-tracing.md}. Run: {@code ./mvnw -B -Pbench verify -Dit.test=TracingOverheadBenchmark}.
 * Numbers, not assertions.
 */
@ExtendWith(KafkaTestKit.class)
class TracingOverheadBenchmark {

    private static final int ROUNDS = 3;
    private static final int CALLERS = 16;
    private static final int RUN_SECONDS = 10;
    /**
     * Saturating load before the measured windows: the hub's throughput keeps rising for about a minute
     * after ready while the JIT compiles the request path (docs/benchmarks-tuning.md), so 15 s measured
     * compilation more than tracing. {@code -Dbench.tracing.warm-up-seconds} overrides it.
     */
    private static final int WARM_UP_SECONDS = Integer.getInteger("bench.tracing.warm-up-seconds", 60);
    private static final int RECORDS = 5000;
    private static final int PAUSE_MS = 10;
    private static final int PACED_SECONDS = 20;

    @TempDir
    Path workDir;

    private record Mode(String label, Map<String, String> settings) {
    }

    private record Result(double requestsPerSecond, double cpuMsPerRequest, double pacedCpuMsPerRequest,
                          double recordsPerSecond) {
    }

    @Test
    void measure() throws Exception {
        List<Mode> modes = List.of(
                new Mode("off", Map.of("hub.tracing.enabled", "false")),
                new Mode("on (defaults: writes 1.0, reads 0.05, in-process hops no span)", Map.of()),
                new Mode("on, every read recorded (read-sampling-ratio 1.0)", Map.of("hub.tracing.read-sampling-ratio", "1.0")));
        Map<String, List<Result>> results = new LinkedHashMap<>();
        modes.forEach(m -> results.put(m.label(), new ArrayList<>()));
        for (int round = 0; round < ROUNDS; round++) {
            for (Mode mode : modes) {
                results.get(mode.label()).add(run(mode, round));
            }
        }
        double p2pOff = median(results.get("off"), Result::requestsPerSecond);
        double cpuOff = median(results.get("off"), Result::cpuMsPerRequest);
        double pacedOff = median(results.get("off"), Result::pacedCpuMsPerRequest);
        double kafkaOff = median(results.get("off"), Result::recordsPerSecond);
        StringBuilder md = new StringBuilder("# What tracing costs\n\n")
                .append("Written by `bench.TracingOverheadBenchmark` (").append(Instant.now()).append("). The jar at ")
                .append("`-Xmx256m` on PostgreSQL, the test kit's Kafka, one jar at a time; ").append(ROUNDS)
                .append(" rounds alternating the modes. Point-to-point: `GET /api/p2p/data`, ").append(CALLERS)
                .append(" callers (wrk, 2 threads) after a ").append(WARM_UP_SECONDS)
                .append(" s warm-up at saturation: at saturation for 10 s (each caller sends ")
                .append("its next request on its answer), then at a fixed offered load for ").append(PACED_SECONDS)
                .append(" s (each caller pauses ").append(PAUSE_MS).append(" ms between requests: about 1,000 ")
                .append("requests/s, below every mode's ceiling). Kafka projection, after a warm-up of 2,000: ")
                .append(RECORDS).append(" records with a sampled `traceparent` produced at once to an event-log topic, ")
                .append("timed until all are applied in SQL. Median (min–max); against tracing off (positive: worse). ")
                .append("Everything shares the 2 cores.\n\n")
                .append("| tracing | p2p req/s, saturated | lost | CPU ms/request, saturated | added | **CPU ms/request at ~1,000 req/s** | **added** | projection records/s | lost |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Mode mode : modes) {
            List<Result> of = results.get(mode.label());
            md.append("| ").append(mode.label())
                    .append(figure(of, Result::requestsPerSecond, "%.0f", p2pOff, false))
                    .append(figure(of, Result::cpuMsPerRequest, "%.3f", cpuOff, true))
                    .append(figure(of, Result::pacedCpuMsPerRequest, "%.3f", pacedOff, true))
                    .append(figure(of, Result::recordsPerSecond, "%.0f", kafkaOff, false)).append(" |\n");
        }
        md.append("\nThe hub's CPU per request (user + system time of its process over the measured run) includes ")
                .append("what it does while idle (broker consumers' polls, timers), the same in every mode. At a fixed ")
                .append("offered load it varies less than at saturation, where the load generator competes for the ")
                .append("same 2 cores.\n");
        Files.writeString(Path.of("docs/benchmarks-tracing.md"), md.toString(), StandardCharsets.UTF_8);
        System.out.println(md);
    }

    /**
     * Tracing off and on at its defaults side by side: both jars run at once and take the same fixed offered
     * load in the same windows ({@value #CALLERS} callers each, {@value #PAUSE_MS} ms between requests), so
     * a change of the machine's speed, which moved the alternating rounds of {@link #measure()} by more than
     * tracing costs, moves both alike. The figure is the CPU per request of the "on" jar against the "off"
     * jar within each window. Writes {@code docs/benchmarks-tracing-paired.md}. Run:
     * {@code ./mvnw -B -Pbench verify -Dit.test=TracingOverheadBenchmark#pairedAtFixedLoad}.
     */
    @Test
    void pairedAtFixedLoad() throws Exception {
        int windows = Integer.getInteger("bench.tracing.paired-windows", 9);
        Mode off = new Mode("off", Map.of("hub.tracing.enabled", "false"));
        Mode on = new Mode("on (defaults)", Map.of());
        List<String> schemas = List.of(LocalServices.uniqueSchema("benchtroff"), LocalServices.uniqueSchema("benchtron"));
        ExecutorService load = Executors.newFixedThreadPool(2);
        try (HubProcess hubOff = startPaired(off, schemas.get(0)); HubProcess hubOn = startPaired(on, schemas.get(1))) {
            hubOff.awaitReady(Duration.ofSeconds(90));
            hubOn.awaitReady(Duration.ofSeconds(90));
            // the JIT's first minute, on both at once
            both(load, () -> p2p(hubOff, WARM_UP_SECONDS), () -> p2p(hubOn, WARM_UP_SECONDS));
            both(load, () -> paced(hubOff, 5), () -> paced(hubOn, 5));
            StringBuilder rows = new StringBuilder();
            List<Double> added = new ArrayList<>();
            for (int w = 0; w < windows; w++) {
                long offTicks = BenchFigures.cpuTicks(hubOff.process().pid());
                long onTicks = BenchFigures.cpuTicks(hubOn.process().pid());
                double[] rps = both(load, () -> paced(hubOff, PACED_SECONDS), () -> paced(hubOn, PACED_SECONDS));
                double offMs = (BenchFigures.cpuTicks(hubOff.process().pid()) - offTicks) * 1000.0
                        / BenchFigures.CLOCK_TICKS_PER_SECOND / (rps[0] * PACED_SECONDS);
                double onMs = (BenchFigures.cpuTicks(hubOn.process().pid()) - onTicks) * 1000.0
                        / BenchFigures.CLOCK_TICKS_PER_SECOND / (rps[1] * PACED_SECONDS);
                added.add((onMs - offMs) / offMs * 100);
                rows.append(String.format("| %d | %.0f | %.3f | %.0f | %.3f | %+.0f %% |%n", w + 1, rps[0], offMs, rps[1], onMs,
                        added.get(w)));
                System.out.printf("window %d: off %.0f req/s %.3f CPU ms/request; on %.0f req/s %.3f CPU ms/request%n",
                        w + 1, rps[0], offMs, rps[1], onMs);
            }
            double median = BenchFigures.medianOf(added);
            StringBuilder md = new StringBuilder("# What tracing costs, both modes at once\n\n")
                    .append("Written by `bench.TracingOverheadBenchmark#pairedAtFixedLoad` (").append(Instant.now())
                    .append("). Two jars at `-Xmx256m`, each on its own PostgreSQL schema and the test kit's Kafka, run at the same time: ")
                    .append("one with tracing off (`hub.tracing.enabled=false`), one on at its defaults (writes and messages all ")
                    .append("recorded, HTTP reads 1 in 20, in-process hops no span). After ").append(WARM_UP_SECONDS)
                    .append(" s of saturating load on both at once, ").append(windows).append(" windows of ").append(PACED_SECONDS)
                    .append(" s in which both take the same fixed offered load: `GET /api/p2p/data`, ").append(CALLERS)
                    .append(" callers each (wrk, each caller pausing ").append(PAUSE_MS)
                    .append(" ms between requests). CPU = user + system time of each jar over the window per request, idle ")
                    .append("work (broker polls, timers) included, the same in both. Unlike the alternating rounds of ")
                    .append("docs/benchmarks-tracing.md, a change of the machine's speed during a window reaches both jars alike.\n\n")
                    .append("| window | off req/s | off CPU ms/request | on req/s | on CPU ms/request | added by tracing |\n")
                    .append("|---|---|---|---|---|---|\n").append(rows)
                    .append(String.format("%nMedian added CPU per request at the defaults: **%+.0f %%** (%+.0f … %+.0f %% over the windows).%n",
                            median, BenchFigures.min(added), BenchFigures.max(added)));
            Files.writeString(Path.of("docs/benchmarks-tracing-paired.md"), md);
        } finally {
            load.shutdownNow();
            schemas.forEach(LocalServices::dropPostgresSchema);
        }
    }

    /**
     * The Kafka projection with tracing off and on at its defaults side by side, as
     * {@link #pairedAtFixedLoad()} does for point-to-point: both jars run at once, each projecting a topic of
     * its own, and each window produces the same {@code bench.tracing.paired-records} records (default
     * 50,000: a CPU figure counted in 10 ms clock ticks needs a window of seconds) to both topics at the same time, every record with a sampled
     * {@code traceparent} as the outbox gives them (so "on" records a span per record). Per jar: records per
     * second until its last record is applied in SQL, and its CPU per record over that time. Writes
     * {@code docs/benchmarks-tracing-paired-projection.md}. Run:
     * {@code ./mvnw -B -Pbench verify -Dit.test=TracingOverheadBenchmark#pairedProjection}.
     */
    @Test
    void pairedProjection() throws Exception {
        int windows = Integer.getInteger("bench.tracing.paired-windows", 9);
        int records = Integer.getInteger("bench.tracing.paired-records", 50_000);
        int warmUps = Integer.getInteger("bench.tracing.paired-warm-ups", 10);
        Mode off = new Mode("off", Map.of("hub.tracing.enabled", "false"));
        Mode on = new Mode("on (defaults)", Map.of());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topicOff = "bench-tr-off-" + suffix;
        String topicOn = "bench-tr-on-" + suffix;
        String schemaOff = LocalServices.uniqueSchema("benchpjoff");
        String schemaOn = LocalServices.uniqueSchema("benchpjon");
        ExecutorService load = Executors.newFixedThreadPool(2);
        try (HubProcess hubOff = startPaired(off, schemaOff, topicOff); HubProcess hubOn = startPaired(on, schemaOn, topicOn)) {
            hubOff.awaitReady(Duration.ofSeconds(90));
            hubOn.awaitReady(Duration.ofSeconds(90));
            // the JIT's first batches, on both at once: in a first trial with three warm-up batches of 5,000 the
            // projection was still getting faster by the ninth window (9,900 records/s in the first, 16,600)
            for (int i = 0; i < warmUps; i++) {
                bothProjecting(load, hubOff, topicOff, schemaOff, hubOn, topicOn, schemaOn, records);
                analyze(schemaOff, schemaOn);
            }
            StringBuilder rows = new StringBuilder();
            List<Double> added = new ArrayList<>();
            List<Double> slower = new ArrayList<>();
            for (int w = 0; w < windows; w++) {
                double[][] r = bothProjecting(load, hubOff, topicOff, schemaOff, hubOn, topicOn, schemaOn, records);
                analyze(schemaOff, schemaOn);
                added.add((r[1][1] - r[0][1]) / r[0][1] * 100);
                slower.add((r[0][0] - r[1][0]) / r[0][0] * 100);
                rows.append(String.format("| %d | %.0f | %.4f | %.0f | %.4f | %+.0f %% | %+.0f %% |%n", w + 1, r[0][0], r[0][1],
                        r[1][0], r[1][1], slower.get(w), added.get(w)));
                System.out.printf("window %d: off %.0f records/s %.4f CPU ms/record; on %.0f records/s %.4f CPU ms/record%n",
                        w + 1, r[0][0], r[0][1], r[1][0], r[1][1]);
            }
            StringBuilder md = new StringBuilder("# What tracing costs the Kafka projection, both modes at once\n\n")
                    .append("Written by `bench.TracingOverheadBenchmark#pairedProjection` (").append(Instant.now())
                    .append("). Two jars at `-Xmx256m`, each on its own PostgreSQL schema, consumer group and event-log ")
                    .append("topic on the test kit's Kafka, run at the same time: one with tracing off ")
                    .append("(`hub.tracing.enabled=false`), one on at its defaults. After ").append(warmUps)
                    .append(" warm-up windows on both, ").append(windows).append(" windows: ").append(records)
                    .append(" records produced to both topics at once, each with a sampled `traceparent` (as the outbox ")
                    .append("sends a write's event: the \"on\" jar records a span per record in that trace), timed per jar ")
                    .append("until its last record is applied in SQL. CPU = user + system time of each jar from the ")
                    .append("first record produced to its last applied, per record. After each window an `ANALYZE` of both ")
                    .append("`event_applied` tables, as autovacuum would do (this machine's PostgreSQL has it off).\n\n")
                    .append("| window | off records/s | off CPU ms/record | on records/s | on CPU ms/record | fewer records/s | added CPU |\n")
                    .append("|---|---|---|---|---|---|---|\n").append(rows)
                    .append(String.format("%nMedian at the defaults: **%+.0f %%** CPU per record (%+.0f … %+.0f %%), "
                                    + "%+.0f %% fewer records per second (%+.0f … %+.0f %%).%n",
                            BenchFigures.medianOf(added), BenchFigures.min(added), BenchFigures.max(added),
                            BenchFigures.medianOf(slower), BenchFigures.min(slower), BenchFigures.max(slower)));
            Files.writeString(Path.of("docs/benchmarks-tracing-paired-projection.md"), md);
        } finally {
            load.shutdownNow();
            LocalServices.dropPostgresSchema(schemaOff);
            LocalServices.dropPostgresSchema(schemaOn);
        }
    }

    /**
     * What autovacuum does on a PostgreSQL with its defaults, between windows (this machine's has it off):
     * without statistics the projection's {@code event_id IN (…)} check stays a sequential scan as the
     * table grows, and past ~200,000 rows that, not tracing, is what a window measures (docs/operations.md,
     * Database).
     */
    private static void analyze(String... schemas) throws Exception {
        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
             var statement = c.createStatement()) {
            for (String schema : schemas) {
                statement.execute("ANALYZE " + schema + ".event_applied");
            }
        }
    }

    /** {records/s, CPU ms per record} of each jar, both given the same records at the same time. */
    private static double[][] bothProjecting(ExecutorService pool, HubProcess first, String firstTopic, String firstSchema,
                                             HubProcess second, String secondTopic, String secondSchema, int records)
            throws Exception {
        Future<double[]> a = pool.submit(() -> projectMeasured(first, firstTopic, firstSchema, records));
        Future<double[]> b = pool.submit(() -> projectMeasured(second, secondTopic, secondSchema, records));
        return new double[][] {a.get(), b.get()};
    }

    private static double[] projectMeasured(HubProcess hub, String topic, String schema, int records) throws Exception {
        long pid = hub.process().pid();
        long ticks = BenchFigures.cpuTicks(pid);
        double perSecond = project(topic, schema, records);
        double cpuMs = (BenchFigures.cpuTicks(pid) - ticks) * 1000.0 / BenchFigures.CLOCK_TICKS_PER_SECOND / records;
        return new double[] {perSecond, cpuMs};
    }

    private HubProcess startPaired(Mode mode, String schema, String topic) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(mode.settings());
        settings.putAll(LocalServices.postgresHubSettings(schema));
        settings.put("hub.kafka.embedded", "false");
        settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        settings.put("hub.eventlog.topics", "user-events,order-events," + topic);
        settings.put("hub.eventlog.group", schema);
        return HubProcess.start(Files.createTempDirectory(workDir, "paired"), RunningHub.freePort(), settings, Map.of());
    }

    private HubProcess startPaired(Mode mode, String schema) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(mode.settings());
        settings.putAll(LocalServices.postgresHubSettings(schema));
        settings.put("hub.kafka.embedded", "false");
        settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        return HubProcess.start(Files.createTempDirectory(workDir, "paired"), RunningHub.freePort(), settings, Map.of());
    }

    @FunctionalInterface
    private interface Load {
        double run() throws Exception;
    }

    /** Runs both loads at the same time; their results in order. */
    private static double[] both(ExecutorService pool, Load first, Load second) throws Exception {
        Future<Double> a = pool.submit(first::run);
        Future<Double> b = pool.submit(second::run);
        return new double[] {a.get(), b.get()};
    }

    private Result run(Mode mode, int round) throws Exception {
        String schema = LocalServices.uniqueSchema("benchtr");
        String topic = "bench-tracing-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new LinkedHashMap<>(mode.settings());
        settings.putAll(LocalServices.postgresHubSettings(schema));
        settings.put("hub.kafka.embedded", "false");
        settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        settings.put("hub.eventlog.topics", "user-events,order-events," + topic);
        Path dir = Files.createTempDirectory(workDir, "tracing");
        try (HubProcess hub = HubProcess.start(dir, RunningHub.freePort(), settings, Map.of())) {
            hub.awaitReady(Duration.ofSeconds(90));
            p2p(hub, WARM_UP_SECONDS);
            long pid = hub.process().pid();
            long ticks = BenchFigures.cpuTicks(pid);
            double rps = p2p(hub, RUN_SECONDS);
            double cpuMs = (BenchFigures.cpuTicks(pid) - ticks) * 1000.0 / BenchFigures.CLOCK_TICKS_PER_SECOND
                    / (rps * RUN_SECONDS);
            paced(hub, 5);
            ticks = BenchFigures.cpuTicks(pid);
            double pacedRps = paced(hub, PACED_SECONDS);
            double pacedCpuMs = (BenchFigures.cpuTicks(pid) - ticks) * 1000.0 / BenchFigures.CLOCK_TICKS_PER_SECOND
                    / (pacedRps * PACED_SECONDS);
            project(topic, schema, 2000);
            double recordsPerSecond = project(topic, schema, RECORDS);
            System.out.printf("round %d, tracing %s: p2p %.0f req/s, %.3f CPU ms/request; at %.0f req/s %.3f CPU ms/request;"
                    + " projection %.0f records/s%n", round, mode.label(), rps, cpuMs, pacedRps, pacedCpuMs, recordsPerSecond);
            return new Result(rps, cpuMs, pacedCpuMs, recordsPerSecond);
        } finally {
            LocalServices.dropPostgresSchema(schema);
        }
    }

    private static double median(List<Result> results, java.util.function.ToDoubleFunction<Result> figure) {
        return BenchFigures.medianOf(results.stream().map(figure::applyAsDouble).toList());
    }

    /** " | median (min–max) | ±n %" of one figure; {@code higherIsWorse} for costs, not for rates. */
    private static String figure(List<Result> results, java.util.function.ToDoubleFunction<Result> figure, String format,
                                 double off, boolean higherIsWorse) {
        List<Double> values = results.stream().map(figure::applyAsDouble).toList();
        double median = BenchFigures.medianOf(values);
        double worse = (higherIsWorse ? median - off : off - median) / off * 100;
        return String.format(" | " + format + " (" + format + "–" + format + ") | %+.0f %%", median,
                BenchFigures.min(values), BenchFigures.max(values), worse);
    }

    /**
     * Requests per second of {@value #CALLERS} callers calling GET /api/p2p/data for {@code seconds}, each
     * pausing {@value #PAUSE_MS} ms after an answer (wrk's {@code delay()} hook; the JDK's client when wrk
     * is not installed).
     */
    private double paced(HubProcess hub, int seconds) throws Exception {
        if (BenchFigures.hasWrk()) {
            Path script = workDir.resolve("paced.lua");
            synchronized (this) { // two loads at once in pairedAtFixedLoad: written once, never while wrk reads it
                if (!Files.exists(script)) {
                    Files.writeString(script, "function delay()\n  return " + PAUSE_MS + "\nend\n");
                }
            }
            return wrk(hub, seconds, script);
        }
        return jdkClient(hub, seconds, PAUSE_MS);
    }

    /**
     * Requests per second of {@value #CALLERS} callers calling GET /api/p2p/data for {@code seconds}: wrk
     * (Debian's) when installed, as the figures were measured, else the JDK's client (which
     * saturates before the hub does on 2 cores: its figures compare modes, not the hub's ceiling).
     */
    private static double p2p(HubProcess hub, int seconds) throws Exception {
        if (BenchFigures.hasWrk()) {
            return wrk(hub, seconds, null);
        }
        return jdkClient(hub, seconds, 0);
    }

    private static double wrk(HubProcess hub, int seconds, Path script) throws Exception {
        return BenchFigures.wrk(hub.uri("/api/p2p/data"), CALLERS, seconds, script).throughput();
    }

    private static double jdkClient(HubProcess hub, int seconds, int pauseMs) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(4)).build();
        HttpRequest request = HttpRequest.newBuilder(hub.uri("/api/p2p/data")).timeout(Duration.ofSeconds(10)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        for (int i = 0; i < CALLERS; i++) {
            callers.submit(() -> {
                while (running.get()) {
                    try {
                        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            ok.incrementAndGet();
                        }
                        if (pauseMs > 0) {
                            Thread.sleep(pauseMs); // the offered load's pacing, as wrk's delay()
                        }
                    } catch (Exception e) {
                        // counted as not answered
                    }
                }
            });
        }
        long start = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds)); // the measured run: a fixed duration of load
        running.set(false);
        long ended = System.nanoTime();
        callers.shutdown();
        callers.awaitTermination(20, TimeUnit.SECONDS);
        return ok.get() / ((ended - start) / 1e9);
    }

    /** Records per second applied by the event log's projection of {@code topic}. */
    private static double project(String topic, String schema, int records) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long start = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String value = "{\"eventId\":\"" + tag + "-" + i + "\",\"event\":\"BenchEvent\",\"occurredAt\":\""
                        + Instant.now() + "\",\"data\":{\"n\":" + i + "}}";
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, "k-" + (i % 100), value);
                record.headers().add("traceparent", ("00-" + UUID.randomUUID().toString().replace("-", "")
                        + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.US_ASCII));
                producer.send(record);
            }
        }
        String url = LocalServices.postgresUrl();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        try (Connection c = DriverManager.getConnection(url, LocalServices.postgresUser(), "");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + schema + ".event_applied WHERE event_id >= ? AND event_id < ? AND event_id LIKE ?")) {
            // the range lets PostgreSQL use the index (see TransportBenchmarks.byTag)
            ps.setString(1, tag + "-");
            ps.setString(2, tag + ".");
            ps.setString(3, tag + "-%");
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= records) {
                        return records / ((System.nanoTime() - start) / 1e9);
                    }
                }
                Thread.sleep(20); // polling the row count: the end of the measured work is seen within 20 ms
            }
        }
        throw new IllegalStateException("the projection did not apply " + records + " records within 180 s");
    }
}
