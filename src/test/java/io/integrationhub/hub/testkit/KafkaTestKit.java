package io.integrationhub.hub.testkit;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: one real in-JVM Apache Kafka cluster (KRaft, one combined broker/controller
 * node, from Kafka's own {@link KafkaClusterTestKit}) for the whole test run, shared by every test
 * class that declares {@code @ExtendWith(KafkaTestKit.class)}, closed when the run ends.
 * Tests keep apart by using their own topic names and consumer groups.
 */
public final class KafkaTestKit implements BeforeAllCallback {

    private static volatile KafkaClusterTestKit cluster;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        // the root store outlives every test class, so the cluster starts once and closes at the end
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KafkaTestKit.class, k -> start(), Running.class);
    }

    /** Bootstrap servers of the shared cluster; only valid inside a class using this extension. */
    public static String bootstrapServers() {
        if (cluster == null) {
            throw new IllegalStateException("Kafka test kit not started: annotate the test class with "
                    + "@ExtendWith(KafkaTestKit.class)");
        }
        return cluster.bootstrapServers();
    }

    /** Hub settings that use the shared cluster instead of the hub's embedded broker. */
    public static java.util.Map<String, String> hubSettings() {
        return java.util.Map.of("hub.kafka.embedded", "false", "hub.kafka.brokers", bootstrapServers());
    }

    private static Running start() {
        try {
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "3")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            cluster = kit;
            return new Running(kit);
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the in-JVM Kafka test cluster: " + e.getMessage(), e);
        }
    }

    /** Closes the cluster when JUnit closes the root store at the end of the run. */
    record Running(KafkaClusterTestKit kit) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            cluster = null;
            kit.close();
        }
    }
}
