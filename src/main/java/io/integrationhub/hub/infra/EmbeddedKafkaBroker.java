package io.integrationhub.hub.infra;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process),
 * run from Kafka's own server code inside the hub. Its log directory is formatted once and reused,
 * so topics and events survive a restart of the hub.
 */
public final class EmbeddedKafkaBroker extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;

    private final int port;
    private final int controllerPort;
    private final Path logDir;
    private final int partitions;
    private KafkaRaftServer server;
    private CompletableFuture<KafkaRaftServer> starting;

    public EmbeddedKafkaBroker(int port, int controllerPort, Path logDir, int partitions) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.logDir = logDir.toAbsolutePath();
        this.partitions = partitions;
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /**
     * Begins the broker's start on a thread of its own, so that it overlaps the rest of the hub's
     * start (database migration, route building): about a second of the start-up on 2 cores.
     * {@link #doStart()} waits for it and fails as that start failed.
     */
    public synchronized void startEarly() {
        if (starting == null) {
            // the thread completes its own future: a stop during the start clears the field
            CompletableFuture<KafkaRaftServer> future = new CompletableFuture<>();
            starting = future;
            Thread thread = new Thread(() -> {
                try {
                    future.complete(startServer());
                } catch (Throwable e) {
                    future.completeExceptionally(e);
                }
            }, "embedded-kafka-start");
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Override
    protected void doStart() throws Exception {
        startEarly();
        try {
            server = starting.get();
        } catch (ExecutionException e) {
            synchronized (this) {
                starting = null;
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private KafkaRaftServer startServer() throws Exception {
        Files.createDirectories(logDir);
        KafkaConfig config = new KafkaConfig(brokerProperties(), false);
        format();
        KafkaRaftServer started = new KafkaRaftServer(config, Time.SYSTEM);
        started.startup();
        LOG.info("Embedded Kafka broker (KRaft, Apache Kafka {}) listening on {}, log in {}",
                org.apache.kafka.common.utils.AppInfoParser.getVersion(), bootstrapServers(), logDir);
        return started;
    }

    @Override
    protected void doStop() {
        stopBroker();
    }

    /**
     * Also when the service was never started: a hub whose start failed after {@link #startEarly()}
     * (a bad setting further on, say) shuts its context down without starting this service, and the
     * broker started early must not keep running (and holding its ports) in an embedding JVM.
     */
    @Override
    protected void doShutdown() {
        stopBroker();
    }

    private void stopBroker() {
        CompletableFuture<KafkaRaftServer> pending;
        synchronized (this) {
            pending = starting;
            starting = null;
        }
        KafkaRaftServer running = server;
        if (running == null && pending != null) {
            try {
                running = pending.get(); // still starting: wait for it, then stop it
            } catch (ExecutionException e) {
                return; // its start failed: nothing runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (running != null) {
            running.shutdown();
            running.awaitShutdown();
            server = null;
            LOG.info("Embedded Kafka broker stopped");
        }
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", String.valueOf(partitions));
        // a single node: internal topics cannot have more than one replica
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        // no point waiting for more members to join a group on a single node
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        // Kafka's default (128 MiB) is allocated on the heap at start for the log cleaner, half of the
        // hub's -Xmx256m: a start beside the database migration then failed with OutOfMemoryError. The
        // cleaner compacts only the small internal topics here (__consumer_offsets, __transaction_state).
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        return p;
    }

    /** Formats the storage directory the first time; later starts find it formatted and keep its data. */
    private void format() throws Exception {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setUnstableFeatureVersionsEnabled(false)
                .setIgnoreFormatted(true)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(logDir.toString())
                .addDirectory(logDir.toString());
        formatter.run();
        LOG.info("Formatted embedded Kafka storage: {}", out.toString(StandardCharsets.UTF_8).trim());
    }
}
