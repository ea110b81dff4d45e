package io.integrationhub.hub.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import hub.users.v1.GetUserRequest;
import hub.users.v1.User;
import hub.users.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.integrationhub.hub.testkit.HubProcess;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.integrationhub.hub.bench.BenchFigures.Run;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import static io.integrationhub.hub.bench.BenchFigures.*;
import static org.awaitility.Awaitility.await;

/**
 * Benchmark harness, part two: each transport's raw client against the hub's route on the same
 * broker, in the same run, alternated raw/hub in pairs after a warm-up, at two payload sizes, with
 * the same guarantees on both sides. Called by {@link HubHttpBenchmark}, which writes the page.
 * <p>
 * Two kinds of measurement. Request-style ({@link #closedLoop}): {@value #CONCURRENCY} callers each
 * waiting for its answer before the next call, for a fixed time; throughput, p50/p99 per call.
 * Delivery-style ({@link #drain}): {@value #DRAIN} messages published as fast as the broker confirms
 * them while the consumers run; throughput = messages / time until the last one was processed (by the
 * raw consumer, or by the hub's route as the rows it wrote for them say).
 */
final class TransportBenchmarks {

    /** {@code -Dbench.quick=true}: a smoke run of the harness itself (1 pair, short runs); its figures mean nothing. */
    static final boolean QUICK = Boolean.getBoolean("bench.quick");
    /**
     * {@code -Dbench.only=kafka-consume,nats-fan-out}: only these sections (startup, point-to-point,
     * rabbit-publish, rabbit-consume, kafka-produce, kafka-consume, nats-publish, nats-fan-out,
     * grpc-unary), full size, for profiling one path; the page is then printed, not written.
     */
    static final java.util.Set<String> ONLY = java.util.Arrays.stream(System.getProperty("bench.only", "").split(","))
            .map(String::trim).filter(x -> !x.isEmpty()).collect(java.util.stream.Collectors.toSet());

    static boolean runs(String section) {
        return ONLY.isEmpty() || ONLY.contains(section);
    }
    static final int PAIRS = QUICK ? 1 : 3;
    static final Duration WARM_UP = Duration.ofSeconds(QUICK ? 1 : 3);
    static final Duration RUN = Duration.ofSeconds(QUICK ? 1 : 4);
    static final int CONCURRENCY = 16;
    /** Load on the transports' hub before its first row ({@code -Dbench.transports.warm-up-seconds}). */
    static final Duration TRANSPORT_WARM_UP = Duration.ofSeconds(Long.getLong("bench.transports.warm-up-seconds", 45));
    static final int DRAIN = QUICK ? 400 : 4000;
    static final int[] PAYLOADS = {256, 4096};
    private static final String BENCH_TOPIC = "bench-events";
    private static final int USERS = 200;

    private final Path workDir;
    private final Map<String, String> extraSettings;
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newFixedThreadPool(4)).build();
    private HubProcess hub;
    /** The hub's PostgreSQL schema: the raw gRPC server's table, and where the hub records what it processed. */
    private HikariDataSource db;
    private long rssLoadKiB;

    TransportBenchmarks(Path workDir, Map<String, String> extraSettings) {
        this.workDir = workDir;
        this.extraSettings = extraSettings;
    }

    /** Long-lived hub on PostgreSQL and the test kit's Kafka, then each transport in turn. */
    long measure(StringBuilder md) throws Exception {
        String schema = LocalServices.uniqueSchema("bench");
        Map<String, String> settings = new HashMap<>(extraSettings);
        settings.put("hub.kafka.embedded", "false");
        settings.put("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        settings.put("hub.eventlog.topics", "user-events,order-events," + BENCH_TOPIC);
        settings.put("hub.datasource.url", LocalServices.postgresUrl());
        settings.put("hub.datasource.username", LocalServices.postgresUser());
        settings.put("hub.datasource.schema", schema);
        settings.put("hub.tasks.queue", "tasks-bench-" + suffix);
        settings.put("hub.tasks.exchange", "hub.tasks-bench-" + suffix);
        settings.put("hub.tasks.dead-letter-exchange", "hub.tasks-bench-" + suffix + ".dlx");
        settings.put("hub.tasks.dead-letter-queue", "tasks-bench-" + suffix + ".dlq");
        settings.put("hub.pubsub.subject", "bench.orders." + suffix);
        settings.put("hub.pubsub.jetstream.stream", hubStream());
        Path dir = Files.createTempDirectory(workDir, "transports");
        // -Dbench.hub-jvm-options="-XX:StartFlightRecording=filename=/tmp/hub.jfr": profile the hub under this load
        String jvmOptions = System.getProperty("bench.hub-jvm-options", "");
        hub = HubProcess.start(dir, RunningHub.freePort(), settings,
                jvmOptions.isBlank() ? Map.of() : Map.of("JAVA_TOOL_OPTIONS", jvmOptions));
        try {
            hub.awaitReady(Duration.ofSeconds(90));
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(LocalServices.postgresUrl());
            config.setUsername(LocalServices.postgresUser());
            config.setSchema(schema);
            config.setMaximumPoolSize(10);
            db = new HikariDataSource(config);
            md.append("## Transports: raw client against the hub, same broker\n\n")
              .append("One hub process (`-Xmx256m`, PostgreSQL 15 on this machine as its database, the harness's ")
              .append("Kafka broker) measured against each transport's own Java client on the same broker; ")
              .append(PAIRS).append(" pairs alternating raw, hub after a warm-up of each. Request-style rows: ")
              .append(CONCURRENCY).append(" callers each waiting for its answer, ").append(RUN.toSeconds())
              .append(" s per run. Delivery-style rows: ").append(DRAIN)
              .append(" messages published by a raw publisher as fast as the broker takes them while the consumers ")
              .append("run, timed until the last one was processed; their p50/p99 is the time from a message's publish ")
              .append("to its processing (ms clock; the raw consumer's own clock, the hub's from the row it wrote in SQL), ")
              .append("queueing behind the burst included. Ratio = hub/raw throughput within a pair ")
              .append("(median, min–max over the pairs). CPU = user+system seconds of the hub process per 1,000 ")
              .append("messages. Everything (broker, load, hub) shares the 2 cores.\n\n");
            warmUp(md);
            if (runs("rabbit-publish")) {
                rabbitPublish(md);
                settle("SELECT count(*) FROM task WHERE status = 'DONE'");
            }
            if (runs("rabbit-consume")) {
                rabbitConsume(md);
            }
            if (runs("kafka-produce")) {
                kafkaProduce(md);
                settle("SELECT count(*) FROM event_applied");
            }
            if (runs("kafka-consume")) {
                kafkaConsume(md);
            }
            if (runs("nats-publish")) {
                natsPublish(md);
                settle("SELECT count(*) FROM pubsub_delivery");
            }
            if (runs("nats-fan-out")) {
                natsFanOut(md);
            }
            if (runs("grpc-unary")) {
                List<String> users = grpcUnary(md);
                orderView(md, users.get(0));
            }
            return rssLoadKiB;
        } finally {
            if (db != null) {
                db.close();
            }
            if (jvmOptions.contains("FlightRecording")) {
                hub.stop(Duration.ofSeconds(30)); // the recording is written when the hub exits
            }
            hub.close();
            LocalServices.dropPostgresSchema(schema);
            deleteStreams(hubStream(), rawStream());
        }
    }

    /** The JetStream stream the hub publishes its orders to in this run (its own, deleted afterwards). */
    private String hubStream() {
        return "BENCH_" + suffix;
    }

    private String rawStream() {
        return "BENCH_RAW_" + suffix;
    }

    private static void deleteStreams(String... streams) {
        try (io.nats.client.Connection nats = Nats.connect(LocalServices.natsServers())) {
            for (String stream : streams) {
                try {
                    nats.jetStreamManagement().deleteStream(stream);
                } catch (io.nats.client.JetStreamApiException e) {
                    // not created in this run
                }
            }
        } catch (Exception e) {
            System.err.println("Could not delete the benchmark's JetStream streams: " + e);
        }
    }

    // ---- RabbitMQ -----------------------------------------------------------------------------

    private void rabbitPublish(StringBuilder md) throws Exception {
        header(md, "RabbitMQ: confirmed publish",
                "Raw: amqp-client, a channel per caller in confirm mode, `basicPublish` of a persistent message to a "
                + "durable queue then `waitForConfirmsOrDie`. Hub: `POST /api/tasks` (JSON schema check, persistent "
                + "publish with publisher confirms, a `QUEUED` row in SQL, 202). The hub's own workers consume its "
                + "queue meanwhile (their CPU is in the hub's figure); the raw queue has no consumer and is purged "
                + "after each run.");
        ConnectionFactory factory = rabbitFactory();
        try (com.rabbitmq.client.Connection connection = factory.newConnection("bench-raw")) {
            String queue = "bench.raw.publish." + suffix;
            try (Channel admin = connection.createChannel()) {
                admin.queueDeclare(queue, true, false, false, null);
                for (int payload : PAYLOADS) {
                    byte[] body = json(payload);
                    HttpRequest post = HttpRequest.newBuilder(hub.uri("/api/tasks")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{\"pad\":\""
                                    + pad(payload - 40) + "\"}}")).build();
                    Target raw = d -> {
                        Run run = closedLoop(d, () -> {
                            Channel ch = connection.createChannel();
                            ch.confirmSelect();
                            return () -> {
                                ch.basicPublish("", queue, persistent(), body);
                                ch.waitForConfirmsOrDie(5000);
                                return true;
                            };
                        });
                        admin.queuePurge(queue);
                        return run;
                    };
                    Path script = BenchFigures.wrkPost(workDir, "tasks-" + payload, "{\"type\":\"noop\",\"payload\":{\"pad\":\""
                            + pad(payload - 40) + "\"}}");
                    Target viaHub = d -> hubPosts(d, hub.uri("/api/tasks"), script,
                            () -> () -> http.send(post, HttpResponse.BodyHandlers.discarding()).statusCode() == 202);
                    pairs(md, payload + " B", raw, viaHub);
                }
                admin.queueDelete(queue);
            }
        }
    }

    private void rabbitConsume(StringBuilder md) throws Exception {
        header(md, "RabbitMQ: consume with manual ack (delivery)",
                "Raw: amqp-client, 4 consumers (channels) with prefetch 10, `basicAck` after each message. Hub: the "
                + "`queue-task-worker` route, `hub.tasks.consumers`=4, prefetch 10, ack after the work (task type "
                + "`noop`, then a `DONE` row in SQL). Both fed by the same raw confirmed publisher. The rows \"raw "
                + "with the hub's SQL\" compare the hub with a raw consumer doing the same durable work before its ack "
                + "(the JSON read, the worker's five statements in auto-commit on the same PostgreSQL table): their "
                + "ratio is what Camel and the route cost at equal work.");
        ConnectionFactory factory = rabbitFactory();
        String hubQueue = "tasks-bench-" + suffix;
        try (com.rabbitmq.client.Connection connection = factory.newConnection("bench-raw")) {
            String queue = "bench.raw.consume." + suffix;
            Channel admin = connection.createChannel();
            admin.queueDeclare(queue, true, false, false, null);
            AtomicLong consumed = new AtomicLong();
            RawLatencies rawLatencies = new RawLatencies();
            List<Channel> consumers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Channel ch = connection.createChannel();
                ch.basicQos(10);
                ch.basicConsume(queue, false, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                            throws java.io.IOException {
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        rawLatencies.received(p.getMessageId());
                        consumed.incrementAndGet();
                    }
                });
                consumers.add(ch);
            }
            // parity baseline: the same durable work as the hub's worker for a task published straight to
            // the queue (read the JSON; UPDATE attempt, SELECT, INSERT, UPDATE attempt, UPDATE DONE, each in
            // auto-commit, on the same PostgreSQL table), then the ack
            String sqlQueue = "bench.raw.sql." + suffix;
            admin.queueDeclare(sqlQueue, true, false, false, null);
            AtomicLong worked = new AtomicLong();
            RawLatencies sqlLatencies = new RawLatencies();
            for (int i = 0; i < 4; i++) {
                Channel ch = connection.createChannel();
                ch.basicQos(10);
                String worker = "bench-raw/channel-" + ch.getChannelNumber();
                ch.basicConsume(sqlQueue, false, new DefaultConsumer(ch) {
                    @Override
                    public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                            throws java.io.IOException {
                        try {
                            workLikeTheHub(MAPPER.readTree(body), worker);
                        } catch (java.sql.SQLException e) {
                            throw new java.io.IOException(e);
                        }
                        getChannel().basicAck(envelope.getDeliveryTag(), false);
                        sqlLatencies.received(p.getMessageId());
                        worked.incrementAndGet();
                    }
                });
                consumers.add(ch);
            }
            Channel publisher = connection.createChannel();
            publisher.confirmSelect();
            for (int payload : PAYLOADS) {
                Target raw = d -> drain(d, Processed.counter(consumed::get),
                        (n, tag) -> publishAll(publisher, queue, n, payload, false, tag), rawLatencies);
                Target rawWithSql = d -> drain(d, Processed.counter(worked::get),
                        (n, tag) -> publishAll(publisher, sqlQueue, n, payload, true, tag), sqlLatencies);
                Target viaHub = d -> drain(d, rows("SELECT count(*) FROM task WHERE status = 'DONE' AND " + byTag("task_id")),
                        (n, tag) -> publishAll(publisher, hubQueue, n, payload, true, tag),
                        fromSql("SELECT task_id, updated_at FROM task WHERE status = 'DONE' AND " + byTag("task_id")));
                pairs(md, payload + " B", raw, viaHub);
                pairs(md, payload + " B, raw with the hub's SQL", rawWithSql, viaHub);
            }
            for (Channel ch : consumers) {
                ch.close();
            }
            admin.queueDelete(queue);
            admin.queueDelete(sqlQueue);
        }
    }

    /** The statements of the hub's TaskStore for a task published straight to the queue, on the same table. */
    private void workLikeTheHub(com.fasterxml.jackson.databind.JsonNode task, String worker) throws java.sql.SQLException {
        String id = task.path("taskId").asText();
        String attempt = "UPDATE task SET attempts = attempts + 1, processed_by = ?, updated_at = ? "
                + "WHERE task_id = ? AND status IN ('QUEUED', 'FAILED')";
        try (Connection c = db.getConnection()) {
            if (update(c, attempt, worker, new java.sql.Timestamp(System.currentTimeMillis()), id) == 0) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM task WHERE task_id = ?")) {
                    ps.setString(1, id);
                    ps.executeQuery().close();
                }
                java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
                update(c, "INSERT INTO task (task_id, task_type, status, attempts, completions, created_at, updated_at) "
                        + "VALUES (?, ?, 'QUEUED', 0, 0, ?, ?)", id, task.path("type").asText(), now, now);
                update(c, attempt, worker, new java.sql.Timestamp(System.currentTimeMillis()), id);
            }
            update(c, "UPDATE task SET status = 'DONE', completions = completions + 1, last_error = NULL, updated_at = ? "
                    + "WHERE task_id = ? AND status IN ('QUEUED', 'FAILED')", new java.sql.Timestamp(System.currentTimeMillis()), id);
        }
    }

    private static int update(Connection c, String sql, Object... args) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static void publishAll(Channel publisher, String queue, int n, int payload, boolean task, String tag)
            throws Exception {
        for (int i = 0; i < n; i++) {
            String id = tag + "-" + System.currentTimeMillis() + "-" + i;
            byte[] body = task
                    ? ("{\"taskId\":\"" + id + "\",\"type\":\"noop\",\"payload\":{\"pad\":\"" + pad(payload - 120)
                            + "\"},\"createdAt\":\"" + Instant.now() + "\"}").getBytes(StandardCharsets.UTF_8)
                    : json(payload);
            publisher.basicPublish("", queue, new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .contentType("application/json").messageId(id).build(), body);
        }
        publisher.waitForConfirmsOrDie(30_000);
    }

    private static ConnectionFactory rabbitFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(LocalServices.Service.RABBITMQ.host());
        factory.setPort(LocalServices.Service.RABBITMQ.port());
        return factory;
    }

    private static AMQP.BasicProperties persistent() {
        return new AMQP.BasicProperties.Builder().deliveryMode(2).contentType("application/json").build();
    }

    // ---- Kafka --------------------------------------------------------------------------------

    private void kafkaProduce(StringBuilder md) throws Exception {
        header(md, "Kafka: produce with acks=all",
                "Raw: kafka-clients `KafkaProducer` (acks=all, idempotence), each caller waiting for its record's ack "
                + "(`send().get()`). Hub: `POST /api/events/" + BENCH_TOPIC + "` (JSON schema check, envelope, "
                + "produce with acks=all and idempotence, 201 after the ack). The hub's projector consumes `"
                + BENCH_TOPIC + "` meanwhile (its CPU is in the hub's figure).");
        String topic = "bench-raw-produce-" + suffix;
        createTopic(topic);
        try (KafkaProducer<String, String> producer = producer()) {
            for (int payload : PAYLOADS) {
                String value = new String(json(payload), StandardCharsets.UTF_8);
                HttpRequest post = HttpRequest.newBuilder(hub.uri("/api/events/" + BENCH_TOPIC))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"k-1\",\"event\":\"BenchEvent\",\"data\":{\"pad\":\""
                                + pad(payload - 60) + "\"}}")).build();
                Target raw = d -> closedLoop(d, () -> () -> {
                    producer.send(new ProducerRecord<>(topic, "k-" + ThreadLocalRandom.current().nextInt(100), value)).get();
                    return true;
                });
                Path script = BenchFigures.wrkPost(workDir, "events-" + payload, "{\"key\":\"k-1\",\"event\":\"BenchEvent\",\"data\":{\"pad\":\""
                        + pad(payload - 60) + "\"}}");
                Target viaHub = d -> hubPosts(d, hub.uri("/api/events/" + BENCH_TOPIC), script,
                        () -> () -> http.send(post, HttpResponse.BodyHandlers.discarding()).statusCode() == 201);
                pairs(md, payload + " B", raw, viaHub);
            }
        }
    }

    private void kafkaConsume(StringBuilder md) throws Exception {
        header(md, "Kafka: consume (delivery)",
                "Raw: kafka-clients `KafkaConsumer` (own group, auto-commit off, `commitSync` after each poll's "
                + "records, max.poll.records 200). Hub: the `eventlog-" + BENCH_TOPIC + "` route (projection into SQL, "
                + "idempotent by eventId, then the offset commit). Both topics 3 partitions, fed by the same raw "
                + "producer (acks=all). The rows \"raw with the hub's SQL\" compare the hub with a raw consumer doing "
                + "the same durable work per poll (the JSON read; in one transaction the IN query for applied eventIds, "
                + "the batched event_applied INSERT, one entity_projection UPDATE or INSERT per entity; then "
                + "`commitSync`), max.poll.records 500 as the hub: their ratio is what Camel and the route cost at equal work.");
        String topic = "bench-raw-consume-" + suffix;
        createTopic(topic);
        AtomicLong consumed = new AtomicLong();
        Recorder rawRecorder = new Recorder(3);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch assigned = new CountDownLatch(1);
        Thread consumerThread = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + suffix);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (!consumer.assignment().isEmpty()) {
                        assigned.countDown();
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                        long now = System.currentTimeMillis();
                        records.forEach(r -> rawRecorder.recordValue(Math.max(1, now - r.timestamp())));
                        consumed.addAndGet(records.count());
                    }
                }
            }
        }, "bench-raw-kafka-consumer");
        consumerThread.start();
        assigned.await(30, TimeUnit.SECONDS);
        // parity baseline: the hub's projection work per poll, written by hand on a topic of its own
        String sqlTopic = "bench-raw-sql-consume-" + suffix;
        createTopic(sqlTopic);
        AtomicLong worked = new AtomicLong();
        Recorder sqlRecorder = new Recorder(3);
        CountDownLatch sqlAssigned = new CountDownLatch(1);
        Thread sqlThread = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-sql-" + suffix);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
                consumer.subscribe(List.of(sqlTopic));
                while (running.get()) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (!consumer.assignment().isEmpty()) {
                        sqlAssigned.countDown();
                    }
                    if (!records.isEmpty()) {
                        projectLikeTheHub(records);
                        consumer.commitSync();
                        long now = System.currentTimeMillis();
                        records.forEach(r -> sqlRecorder.recordValue(Math.max(1, now - r.timestamp())));
                        worked.addAndGet(records.count());
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("raw consumer with the hub's SQL failed", e);
            }
        }, "bench-raw-kafka-sql-consumer");
        sqlThread.start();
        sqlAssigned.await(30, TimeUnit.SECONDS);
        try (KafkaProducer<String, String> producer = producer()) {
            for (int payload : PAYLOADS) {
                Target raw = d -> drain(d, Processed.counter(consumed::get),
                        (n, tag) -> produceAll(producer, topic, n, payload, tag), tag -> rawRecorder.getIntervalHistogram());
                Target rawWithSql = d -> drain(d, Processed.counter(worked::get),
                        (n, tag) -> produceAll(producer, sqlTopic, n, payload, tag), tag -> sqlRecorder.getIntervalHistogram());
                Target viaHub = d -> drain(d, rows("SELECT count(*) FROM event_applied WHERE " + byTag("event_id")),
                        (n, tag) -> produceAll(producer, BENCH_TOPIC, n, payload, tag),
                        fromSql("SELECT event_id, applied_at FROM event_applied WHERE " + byTag("event_id")));
                pairs(md, payload + " B", raw, viaHub);
                pairs(md, payload + " B, raw with the hub's SQL", rawWithSql, viaHub);
            }
        } finally {
            running.set(false);
            consumerThread.join(10_000);
            sqlThread.join(10_000);
        }
    }

    /**
     * The statements of the hub's EventProjection for one poll, on the same tables, in one transaction:
     * the eventIds applied before (one IN query), the new ones' event_applied rows (one batch), and per
     * entity one UPDATE of entity_projection, or an INSERT where it had no row.
     */
    private void projectLikeTheHub(ConsumerRecords<String, String> records) throws Exception {
        List<com.fasterxml.jackson.databind.JsonNode> events = new ArrayList<>();
        List<ConsumerRecord<String, String>> kept = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            events.add(MAPPER.readTree(r.value()));
            kept.add(r);
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            java.util.Set<String> before = new java.util.HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT event_id FROM event_applied WHERE event_id IN ("
                    + String.join(",", java.util.Collections.nCopies(events.size(), "?")) + ")")) {
                for (int i = 0; i < events.size(); i++) {
                    ps.setString(i + 1, events.get(i).path("eventId").asText());
                }
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        before.add(rs.getString(1));
                    }
                }
            }
            java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
            Map<List<String>, Integer> counts = new java.util.LinkedHashMap<>();
            Map<List<String>, com.fasterxml.jackson.databind.JsonNode> last = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_applied (event_id, topic, entity_id, event_type, "
                    + "kafka_partition, kafka_offset, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < events.size(); i++) {
                    com.fasterxml.jackson.databind.JsonNode e = events.get(i);
                    ConsumerRecord<String, String> r = kept.get(i);
                    if (!before.add(e.path("eventId").asText())) {
                        continue;
                    }
                    ps.setString(1, e.path("eventId").asText());
                    ps.setString(2, r.topic());
                    ps.setString(3, r.key());
                    ps.setString(4, e.path("event").asText());
                    ps.setInt(5, r.partition());
                    ps.setLong(6, r.offset());
                    ps.setTimestamp(7, now);
                    ps.addBatch();
                    List<String> entity = List.of(r.topic(), r.key());
                    counts.merge(entity, 1, Integer::sum);
                    last.put(entity, e);
                }
                ps.executeBatch();
            }
            List<List<String>> entities = new ArrayList<>(counts.keySet());
            int[] updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE entity_projection SET event_count = event_count + ?, "
                    + "last_event_id = ?, last_event_type = ?, last_occurred_at = ?, last_data = ? WHERE topic = ? AND entity_id = ?")) {
                for (List<String> entity : entities) {
                    com.fasterxml.jackson.databind.JsonNode e = last.get(entity);
                    ps.setInt(1, counts.get(entity));
                    ps.setString(2, e.path("eventId").asText());
                    ps.setString(3, e.path("event").asText());
                    ps.setString(4, e.path("occurredAt").asText());
                    ps.setString(5, e.path("data").toString());
                    ps.setString(6, entity.get(0));
                    ps.setString(7, entity.get(1));
                    ps.addBatch();
                }
                updated = ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO entity_projection (topic, entity_id, event_count, "
                    + "last_event_id, last_event_type, last_occurred_at, last_data) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < entities.size(); i++) {
                    if (updated[i] > 0) {
                        continue;
                    }
                    List<String> entity = entities.get(i);
                    com.fasterxml.jackson.databind.JsonNode e = last.get(entity);
                    ps.setString(1, entity.get(0));
                    ps.setString(2, entity.get(1));
                    ps.setInt(3, counts.get(entity));
                    ps.setString(4, e.path("eventId").asText());
                    ps.setString(5, e.path("event").asText());
                    ps.setString(6, e.path("occurredAt").asText());
                    ps.setString(7, e.path("data").toString());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    private static void produceAll(KafkaProducer<String, String> producer, String topic, int n, int payload, String tag) {
        for (int i = 0; i < n; i++) {
            String value = "{\"eventId\":\"" + tag + "-" + System.currentTimeMillis() + "-" + i + "\",\"event\":\"BenchEvent\",\"occurredAt\":\""
                    + Instant.now() + "\",\"data\":{\"pad\":\"" + pad(payload - 130) + "\"}}";
            producer.send(new ProducerRecord<>(topic, "k-" + (i % 100), value));
        }
        producer.flush();
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", KafkaTestKit.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    // ---- NATS ---------------------------------------------------------------------------------

    private void natsFanOut(StringBuilder md) throws Exception {
        header(md, "NATS: fan-out to three subscribers (delivery)",
                "Raw: jnats, three subscriptions (a dispatcher each) on one subject. Hub: its three subscriber routes "
                + "(`pubsub-notifications`, `-audit`, `-analytics`, each recording the delivery in SQL; up to "
                + "`hub.nats.max-in-flight` messages per subscriber in flight, their records sharing commits) on its subject. "
                + "Throughput = messages published / time until each subscriber had all of them (core NATS, "
                + "at-most-once on both sides), published by a raw jnats client in both cases. The rows \"raw with "
                + "the hub's SQL\" compare the hub with three raw subscriptions doing the same durable work per "
                + "delivery (the JSON read, one auto-commit INSERT into pubsub_delivery, on each subscription's "
                + "dispatcher thread): at the same guarantee (core NATS: none after receipt) the hub's grouping is the difference.");
        String rawSubject = "bench.raw." + suffix;
        String hubSubject = "bench.orders." + suffix;
        try (io.nats.client.Connection nats = Nats.connect(LocalServices.natsServers())) {
            AtomicLong received = new AtomicLong();
            RawLatencies rawLatencies = new RawLatencies();
            List<Dispatcher> dispatchers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Dispatcher dispatcher = nats.createDispatcher(m -> {
                    // the id is the start of the body: {"orderId":"<tag>-<millis>-<i>",…
                    String body = new String(m.getData(), 12, Math.min(40, m.getData().length - 12), StandardCharsets.UTF_8);
                    rawLatencies.received(body.substring(0, Math.max(0, body.indexOf('"'))));
                    received.incrementAndGet();
                });
                dispatcher.subscribe(rawSubject);
                dispatchers.add(dispatcher);
            }
            // parity baseline: each delivery recorded as the hub's subscriber routes do (DeliveryLog.record)
            String sqlSubject = "bench.raw.sql." + suffix;
            AtomicLong recorded = new AtomicLong();
            RawLatencies sqlLatencies = new RawLatencies();
            for (int i = 0; i < 3; i++) {
                String subscriber = "raw-" + i;
                Dispatcher dispatcher = nats.createDispatcher(m -> {
                    try {
                        String orderId = MAPPER.readTree(m.getData()).path("orderId").asText();
                        recordLikeTheHub(subscriber, m.getSubject(), orderId);
                        sqlLatencies.received(orderId);
                        recorded.incrementAndGet();
                    } catch (Exception e) {
                        System.out.println("  raw subscriber with SQL failed: " + e);
                    }
                });
                dispatcher.subscribe(sqlSubject);
                dispatchers.add(dispatcher);
            }
            nats.flush(Duration.ofSeconds(5));
            for (int payload : PAYLOADS) {
                Target raw = d -> drainFanOut(d, Processed.counter(received::get),
                        (n, tag) -> natsPublish(nats, rawSubject, n, payload, tag), rawLatencies);
                Target rawWithSql = d -> drainFanOut(d, Processed.counter(recorded::get),
                        (n, tag) -> natsPublish(nats, sqlSubject, n, payload, tag), sqlLatencies);
                Target viaHub = d -> drainFanOut(d, rows("SELECT count(*) FROM pubsub_delivery WHERE " + byTag("order_id")),
                        (n, tag) -> natsPublish(nats, hubSubject, n, payload, tag),
                        fromSql("SELECT order_id, received_at FROM pubsub_delivery WHERE " + byTag("order_id")));
                pairs(md, payload + " B", raw, viaHub);
                pairs(md, payload + " B, raw with the hub's SQL", rawWithSql, viaHub);
            }
            dispatchers.forEach(nats::closeDispatcher);
        }
    }

    /** The hub's DeliveryLog.record: one auto-commit INSERT per delivery, on the same table. */
    private void recordLikeTheHub(String subscriber, String subject, String orderId) throws java.sql.SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO pubsub_delivery "
                     + "(order_id, subscriber, subject, instance_id, received_at, effect_key) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, orderId);
            ps.setString(2, subscriber);
            ps.setString(3, subject);
            ps.setString(4, "bench-raw");
            ps.setTimestamp(5, new java.sql.Timestamp(System.currentTimeMillis()));
            ps.setString(6, subscriber + ":" + orderId + ":bench-raw");
            ps.executeUpdate();
        }
    }

    private void natsPublish(StringBuilder md) throws Exception {
        header(md, "NATS: publish",
                "Raw: jnats JetStream `publish` by each caller, waiting for the stream's PubAck (file storage, "
                + "a stream of its own, a message id per message), to a subject nobody subscribes. Hub: `POST "
                + "/api/pubsub/orders` (JSON schema check, the same JetStream publish waiting for the PubAck, 202), "
                + "its three subscriber routes receiving each message meanwhile (their CPU is in the hub's figure). "
                + "Same guarantee on both sides: stored by JetStream before the caller is answered.");
        String rawSubject = "bench.raw.publish." + suffix;
        try (io.nats.client.Connection nats = Nats.connect(LocalServices.natsServers())) {
            nats.jetStreamManagement().addStream(io.nats.client.api.StreamConfiguration.builder().name(rawStream())
                    .subjects(rawSubject).storageType(io.nats.client.api.StorageType.File).build());
            io.nats.client.JetStream jetStream = nats.jetStream();
            AtomicLong rawIds = new AtomicLong();
            for (int payload : PAYLOADS) {
                byte[] body = ("{\"orderId\":\"o-1\",\"pad\":\"" + pad(payload - 40) + "\"}").getBytes(StandardCharsets.UTF_8);
                String pad = pad(payload - 60);
                // an orderId per request: the hub's JetStream message id comes from it, and a repeated one
                // would be answered as a duplicate without being stored again
                java.util.function.Supplier<HttpRequest> post = () -> HttpRequest.newBuilder(hub.uri("/api/pubsub/orders"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"pub-" + suffix + "-"
                                + rawIds.incrementAndGet() + "\",\"pad\":\"" + pad + "\"}")).build();
                Target raw = d -> closedLoop(d, () -> () -> jetStream.publish(rawSubject, body,
                        io.nats.client.PublishOptions.builder().messageId("raw-" + rawIds.incrementAndGet()).build())
                        .getSeqno() > 0);
                Path script = BenchFigures.wrkPost(workDir, "pubsub-" + payload, "{\"orderId\":\"pub-" + suffix + "-" + payload
                        + "-{n}\",\"pad\":\"" + pad + "\"}");
                Target viaHub = d -> hubPosts(d, hub.uri("/api/pubsub/orders"), script,
                        () -> () -> http.send(post.get(), HttpResponse.BodyHandlers.discarding()).statusCode() == 202);
                pairs(md, payload + " B", raw, viaHub);
            }
        }
    }

    private static void natsPublish(io.nats.client.Connection nats, String subject, int n, int payload, String tag)
            throws Exception {
        for (int i = 0; i < n; i++) {
            nats.publish(subject, ("{\"orderId\":\"" + tag + "-" + System.currentTimeMillis() + "-" + i + "\",\"pad\":\"" + pad(payload - 40) + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        nats.flush(Duration.ofSeconds(30));
    }

    // ---- gRPC ---------------------------------------------------------------------------------

    private List<String> grpcUnary(StringBuilder md) throws Exception {
        header(md, "gRPC: unary GetUser",
                "Raw: a grpc-java server in the harness's JVM whose GetUser runs the same SQL query on the same "
                + "PostgreSQL table (`user_view`, HikariCP pool of 10) as the hub's. Hub: the camel-grpc server route "
                + "`requestreply-grpc-server`. " + CONCURRENCY + " callers on one channel per target, blocking stubs, "
                + "a random one of " + USERS + " users per call.");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(hub.uri("/users"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"Bench " + i + "\",\"email\":\"bench" + i + "-" + suffix + "@example.org\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String location = created.headers().firstValue("Location").orElseThrow(
                    () -> new IllegalStateException("user not created: " + created.statusCode() + " " + created.body()));
            ids.add(location.substring(location.lastIndexOf('/') + 1));
        }
        await("the projector projects the benchmark's users").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> projectedUsers(db) >= USERS);
        Server server = ServerBuilder.forPort(RunningHub.freePort()).addService(new RawUserService(db)).build().start();
        ManagedChannel rawChannel = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        ManagedChannel hubChannel = ManagedChannelBuilder.forAddress("127.0.0.1", hub.grpcPort()).usePlaintext().build();
        try {
            UserServiceGrpc.UserServiceBlockingStub rawStub = UserServiceGrpc.newBlockingStub(rawChannel);
            UserServiceGrpc.UserServiceBlockingStub hubStub = UserServiceGrpc.newBlockingStub(hubChannel);
            Target raw = d -> closedLoop(d, () -> () -> getUser(rawStub, ids));
            Target viaHub = d -> closedLoop(d, () -> () -> getUser(hubStub, ids));
            pairs(md, "user (~120 B)", raw, viaHub);
        } finally {
            rawChannel.shutdownNow();
            hubChannel.shutdownNow();
            server.shutdownNow();
        }
        return ids;
    }

    // ---- HTTP aggregator ----------------------------------------------------------------------

    private void orderView(StringBuilder md, String userId) throws Exception {
        header(md, "HTTP: order-view aggregator",
                "Hub: `GET /api/order-views/{orderId}` (order ∥ payment, then user; each leg through its breaker and "
                + "time limit; merged JSON). Direct: the caller makes the same three calls itself in the same shape "
                + "(order and payment at once, then user) to the same services, which the hub hosts (the saga's "
                + "`/api/orders`, the payment stand-in, the gRPC-backed `/api/users`). " + CONCURRENCY + " callers.");
        HttpResponse<String> placed = http.send(HttpRequest.newBuilder(hub.uri("/api/orders")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"" + userId
                        + "\",\"items\":[{\"sku\":\"SKU-1\",\"quantity\":1}],\"amount\":12.5}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher id = Pattern.compile("\"orderId\":\"([^\"]+)\"").matcher(placed.body());
        if (!id.find()) {
            throw new IllegalStateException("order not placed: " + placed.statusCode() + " " + placed.body());
        }
        String orderId = id.group(1);
        await("order " + orderId + " confirmed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> http.send(HttpRequest.newBuilder(hub.uri("/api/orders/" + orderId)).build(),
                        HttpResponse.BodyHandlers.ofString()).body().contains("CONFIRMED"));
        HttpRequest view = HttpRequest.newBuilder(hub.uri("/api/order-views/" + orderId)).build();
        HttpRequest order = HttpRequest.newBuilder(hub.uri("/api/orders/" + orderId)).build();
        HttpRequest payment = HttpRequest.newBuilder(hub.uri("/samples/payment/reservations/" + orderId)).build();
        HttpRequest user = HttpRequest.newBuilder(hub.uri("/api/users/" + userId)).build();
        Target direct = d -> closedLoop(d, () -> () -> {
            var o = http.sendAsync(order, HttpResponse.BodyHandlers.ofByteArray());
            var p = http.sendAsync(payment, HttpResponse.BodyHandlers.ofByteArray());
            boolean ok = o.get().statusCode() == 200 & p.get().statusCode() == 200;
            return http.send(user, HttpResponse.BodyHandlers.ofByteArray()).statusCode() == 200 && ok;
        });
        Target viaHub = d -> closedLoop(d, () -> () -> {
            HttpResponse<String> r = http.send(view, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && !r.body().contains("\"errors\"");
        });
        pairs(md, "view (~600 B)", direct, viaHub);
    }

    private static boolean getUser(UserServiceGrpc.UserServiceBlockingStub stub, List<String> ids) {
        String id = ids.get(ThreadLocalRandom.current().nextInt(ids.size()));
        return id.equals(stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .getUser(GetUserRequest.newBuilder().setId(id).build()).getId());
    }

    private static int projectedUsers(HikariDataSource db) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM user_view");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The raw side of the gRPC comparison: plain grpc-java, the hub's query, no Camel. */
    private static final class RawUserService extends UserServiceGrpc.UserServiceImplBase {
        private final HikariDataSource db;

        RawUserService(HikariDataSource db) {
            this.db = db;
        }

        @Override
        public void getUser(GetUserRequest request, StreamObserver<User> reply) {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT id, name, email, created_at, updated_at FROM user_view WHERE id = ? AND NOT deleted")) {
                ps.setString(1, request.getId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        reply.onError(Status.NOT_FOUND.asRuntimeException());
                        return;
                    }
                    reply.onNext(User.newBuilder().setId(rs.getString(1)).setName(rs.getString(2)).setEmail(rs.getString(3))
                            .setCreatedAt(rs.getString(4)).setUpdatedAt(rs.getString(5)).build());
                    reply.onCompleted();
                }
            } catch (Exception e) {
                reply.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            }
        }
    }

    // ---- the harness --------------------------------------------------------------------------

    interface Call {
        boolean call() throws Exception;
    }

    /** Publishes {@code n} messages whose ids start with {@code tag}-{send time in ms}-. */
    interface Publish {
        void publish(int n, String tag) throws Exception;
    }

    /** Delivery latencies (ms) of the messages of one run, by their id's tag. */
    interface Latencies {
        Histogram of(String tag) throws Exception;
    }

    /** One measured run; {@code warmUp} runs are shorter and not reported. */
    interface Target {
        Run run(boolean warmUp) throws Exception;
    }

    private static void header(StringBuilder md, String title, String how) {
        md.append("\n### ").append(title).append("\n\n").append(how).append("\n\n")
          .append("| payload | raw msg/s | hub msg/s | ratio hub/raw | raw p50 / p99 | hub p50 / p99 | hub CPU-s per 1,000 |\n")
          .append("|---|---|---|---|---|---|---|\n");
    }

    private void pairs(StringBuilder md, String label, Target raw, Target viaHub) throws Exception {
        raw.run(true);
        viaHub.run(true);
        List<Run> raws = new ArrayList<>();
        List<Run> hubs = new ArrayList<>();
        long pid = hub.process().pid();
        for (int i = 0; i < PAIRS; i++) {
            raws.add(raw.run(false));
            long cpuBefore = cpuTicks(pid);
            long countBefore = System.nanoTime();
            Run h = viaHub.run(false);
            double seconds = (System.nanoTime() - countBefore) / 1e9;
            double cpu = (cpuTicks(pid) - cpuBefore) / (double) CLOCK_TICKS_PER_SECOND;
            double messages = h.throughput() * seconds;
            hubs.add(new Run(h.throughput(), h.p50Ms(), h.p99Ms(), messages == 0 ? 0 : cpu / (messages / 1000.0)));
            rssLoadKiB = Math.max(rssLoadKiB, rssKiB(pid));
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            ratios.add(hubs.get(i).throughput() / raws.get(i).throughput());
        }
        Run r = median(raws);
        Run h = median(hubs);
        String line = String.format("| %s | %.0f | %.0f | %.2f (%.2f–%.2f) | %s | %s | %.3f |%n", label, r.throughput(),
                h.throughput(), medianOf(ratios), min(ratios), max(ratios), latency(r), latency(h),
                medianOf(hubs.stream().map(Run::cpuPerThousand).toList()));
        md.append(line);
        System.out.print(line);
    }

    private static String latency(Run run) {
        return Double.isNaN(run.p50Ms()) ? "–" : String.format("%.2f / %.2f ms", run.p50Ms(), run.p99Ms());
    }

    /**
     * Load on the hub's three HTTP write paths before the first row, so that the first rows measure the hub
     * rather than the JIT's first minute (point-to-point gets faster for about a minute from ready on,
     * docs/benchmarks-tuning.md; without this the first row, {@code POST /api/tasks} at 256 B, measured 186
     * req/s at 6.8 ms of hub CPU per request, with it 485 at 2.35 ms). The work it causes is let finish before
     * the rows.
     */
    private void warmUp(StringBuilder md) throws Exception {
        if (QUICK || TRANSPORT_WARM_UP.isZero()) {
            return;
        }
        md.append("Before the first row the hub took ").append(TRANSPORT_WARM_UP.toSeconds())
          .append(" s of load on its three HTTP write paths (`POST /api/tasks`, `/api/events/…`, `/api/pubsub/orders`), ")
          .append("a third each, and finished the work it caused.\n\n");
        Duration each = TRANSPORT_WARM_UP.dividedBy(3);
        String[][] paths = {
            {"/api/tasks", "{\"type\":\"noop\",\"payload\":{\"n\":1}}"},
            {"/api/events/" + BENCH_TOPIC, "{\"key\":\"warm-up\",\"event\":\"BenchEvent\",\"data\":{\"n\":1}}"},
            {"/api/pubsub/orders", "{\"orderId\":\"warm-" + suffix + "-{n}\"}"}};
        for (String[] path : paths) {
            URI target = hub.uri(path[0]);
            if (BenchFigures.hasWrk()) {
                BenchFigures.wrk(target, CONCURRENCY, (int) each.toSeconds(), BenchFigures.wrkPost(workDir, "warm-up", path[1]));
            } else {
                AtomicLong n = new AtomicLong();
                closedLoop(each, () -> () -> http.send(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(path[1].replace("{n}", String.valueOf(n.incrementAndGet()))))
                        .build(), HttpResponse.BodyHandlers.discarding()).statusCode() < 300);
            }
        }
        settle("SELECT count(*) FROM task WHERE status = 'DONE'");
        settle("SELECT count(*) FROM event_applied");
        settle("SELECT count(*) FROM pubsub_delivery");
    }

    /**
     * The hub's side of an HTTP row: {@value #CONCURRENCY} wrk connections POSTing what {@code script} builds, as
     * issue 14 measured the hub (a third-party load tool: the JDK's client takes a large share of the 2 cores
     * the hub runs on); the JDK's client ({@code jdkCaller}) when wrk is not installed.
     */
    private Run hubPosts(boolean warmUp, URI target, Path script, Callable<Call> jdkCaller) throws Exception {
        if (!BenchFigures.hasWrk()) {
            return closedLoop(warmUp, jdkCaller);
        }
        return BenchFigures.wrk(target, CONCURRENCY, (int) (warmUp ? WARM_UP : RUN).toSeconds(), script);
    }

    /** {@value #CONCURRENCY} callers, each calling again once answered, for the run's time. */
    private Run closedLoop(boolean warmUp, Callable<Call> perCaller) throws Exception {
        return closedLoop(warmUp ? WARM_UP : RUN, perCaller);
    }

    private Run closedLoop(Duration duration, Callable<Call> perCaller) throws Exception {
        Recorder recorder = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        List<Call> calls = new ArrayList<>();
        for (int t = 0; t < CONCURRENCY; t++) {
            calls.add(perCaller.call());
        }
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        CountDownLatch finished = new CountDownLatch(CONCURRENCY);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (Call call : calls) {
            pool.execute(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        try {
                            if (call.call()) {
                                recorder.recordValue(Math.max(1, (System.nanoTime() - s) / 1000));
                                done.incrementAndGet();
                            } else {
                                errors.incrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                } finally {
                    finished.countDown();
                }
            });
        }
        finished.await(duration.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        if (errors.get() > 0) {
            System.out.printf("  %d failed calls%n", errors.get());
        }
        Histogram h = recorder.getIntervalHistogram();
        return new Run(done.get() / seconds, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, 0);
    }

    private Run drain(boolean warmUp, Processed processed, Publish publish, Latencies latencies) throws Exception {
        return drain(warmUp, processed, publish, latencies, 1);
    }

    private Run drainFanOut(boolean warmUp, Processed processed, Publish publish, Latencies latencies) throws Exception {
        return drain(warmUp, processed, publish, latencies, 3);
    }

    /** How many messages of the run (by its tag) were processed so far. */
    interface Processed {
        long count(String tag) throws Exception;

        /** A counter of the raw consumers, which only ever see their own run's messages. */
        static Processed counter(LongSupplier counter) {
            return tag -> counter.getAsLong();
        }
    }

    /**
     * The hub's side: the rows its route wrote for the run's messages. Counting its own rows, not the
     * route's counter, keeps a backlog of an earlier section (the NATS publish row leaves thousands of
     * deliveries queued behind it) out of this run's figure.
     */
    private Processed rows(String sql) {
        return tag -> {
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                setTag(ps, tag);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        };
    }

    /**
     * Publishes n messages and waits until {@code processed} grew by n × fanOut; messages per second,
     * and the p50/p99 of the time from each message's publish to its processing (ms clock, so a
     * floor of 1 ms; the messages are published in one burst, so this includes their wait in the queue).
     */
    private Run drain(boolean warmUp, Processed processed, Publish publish, Latencies latencies, int fanOut)
            throws Exception {
        int n = warmUp ? DRAIN / 4 : DRAIN;
        String tag = "r" + RUNS.incrementAndGet();
        long before = processed.count(tag);
        long start = System.nanoTime();
        publish.publish(n, tag);
        long deadline = start + TimeUnit.SECONDS.toNanos(120);
        long done;
        while ((done = processed.count(tag) - before) < (long) n * fanOut) {
            if (System.nanoTime() > deadline) {
                System.out.printf("  only %d of %d processed after 120 s%n", done, (long) n * fanOut);
                break;
            }
            Thread.sleep(25); // polling a count; the time to the last message is what is measured
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram h = latencies.of(tag);
        boolean measured = h.getTotalCount() > 0;
        return new Run(done / (double) fanOut / seconds,
                measured ? h.getValueAtPercentile(50) : Double.NaN, measured ? h.getValueAtPercentile(99) : Double.NaN, 0);
    }

    private static final AtomicLong RUNS = new AtomicLong();

    /** Raw consumers record here: the latency of a message from the send time in its id. */
    private static final class RawLatencies implements Latencies {
        private final Recorder recorder = new Recorder(3);

        void received(String id) {
            long sent = sentAt(id);
            if (sent > 0) {
                recorder.recordValue(Math.max(1, System.currentTimeMillis() - sent));
            }
        }

        @Override
        public Histogram of(String tag) {
            return recorder.getIntervalHistogram();
        }
    }

    /** The send time in ms of an id {@code tag-millis-i}, 0 if it has none. */
    static long sentAt(String id) {
        int a = id == null ? -1 : id.indexOf('-');
        int b = a < 0 ? -1 : id.indexOf('-', a + 1);
        if (b < 0) {
            return 0;
        }
        try {
            return Long.parseLong(id.substring(a + 1, b));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The rows of a run: ids {@code <tag>-…}. The range lets PostgreSQL use the id's index (a bare LIKE
     * scanned the whole table: 31 ms per count at 100,000 rows, polled every 25 ms, so the database took
     * most of a core while the hub was measured); in the database's collation (C.UTF-8 here, code-point
     * order) '-' sorts right before '.', and the LIKE keeps the count exact in any collation.
     */
    private static String byTag(String column) {
        return column + " >= ? AND " + column + " < ? AND " + column + " LIKE ?";
    }

    private static void setTag(PreparedStatement ps, String tag) throws java.sql.SQLException {
        ps.setString(1, tag + "-");
        ps.setString(2, tag + ".");
        ps.setString(3, tag + "-%");
    }

    /** The hub's side: the time each message of the run was processed, as the hub recorded it in SQL. */
    private Latencies fromSql(String sql) {
        return tag -> {
            Histogram h = new Histogram(3);
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                setTag(ps, tag);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long sent = sentAt(rs.getString(1));
                        if (sent > 0) {
                            h.recordValue(Math.max(1, rs.getTimestamp(2).getTime() - sent));
                        }
                    }
                }
            }
            return h;
        };
    }

    /**
     * Waits until the hub has worked off what an earlier section left queued (the count of its rows stops
     * growing for a second), so that backlog does not run during the next section's measurements.
     */
    private void settle(String countSql) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now;
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(countSql);
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                now = rs.getLong(1);
            }
            if (now == last) {
                return;
            }
            last = now;
            Thread.sleep(1000); // waiting for the hub to go idle, outside any measurement
        }
    }

    private static byte[] json(int size) {
        return ("{\"pad\":\"" + pad(size - 10) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static String pad(int n) {
        return "x".repeat(Math.max(1, n));
    }
}
