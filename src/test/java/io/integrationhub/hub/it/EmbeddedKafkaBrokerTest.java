package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code hub.kafka.embedded=true} runs a real Kafka broker in the hub whose events survive a restart. */
@ExtendWith(KafkaTestKit.class)
class EmbeddedKafkaBrokerTest {

    @TempDir
    Path workDir;

    @Test
    void shouldServeKafkaClientsAndKeepEventsAcrossARestart() throws Exception {
        int port = RunningHub.freePort();
        Map<String, String> settings = Map.of(
                "hub.kafka.embedded", "true",
                "hub.kafka.brokers", "localhost:" + port,
                "hub.kafka.embedded.port", String.valueOf(port),
                "hub.kafka.embedded.controller-port", String.valueOf(RunningHub.freePort()),
                "hub.kafka.embedded.log-dir", workDir.resolve("kafka").toString());
        String topic = "embedded-check-" + UUID.randomUUID();
        String bootstrap = "localhost:" + port;

        try (RunningHub hub = RunningHub.start(workDir, settings)) {
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200));
            try (KafkaProducer<String, String> producer = producer(bootstrap)) {
                producer.send(new ProducerRecord<>(topic, "user-1", "{\"n\":1}")).get();
                producer.send(new ProducerRecord<>(topic, "user-1", "{\"n\":2}")).get();
            }
            assertThat(readAll(bootstrap, topic, 2)).containsExactly("{\"n\":1}", "{\"n\":2}");
        }

        try (RunningHub restarted = RunningHub.start(workDir, settings)) {
            assertThat(readAll(bootstrap, topic, 2)).containsExactly("{\"n\":1}", "{\"n\":2}");
        }
    }

    @Test
    void shouldStopTheBrokerItBeganToStartWhenTheHubDoesNotStart() throws Exception {
        int port = RunningHub.freePort();
        int controllerPort = RunningHub.freePort();
        Map<String, String> settings = Map.of(
                "hub.kafka.embedded", "true",
                "hub.kafka.brokers", "localhost:" + port,
                "hub.kafka.embedded.port", String.valueOf(port),
                "hub.kafka.embedded.controller-port", String.valueOf(controllerPort),
                "hub.kafka.embedded.log-dir", workDir.resolve("kafka-failed").toString(),
                // a number of the right kind (the settings' first check passes it) that the event log's
                // configuration, after Kafka's, refuses: the broker has begun to start by then
                "hub.eventlog.delivery-timeout-ms", "1");

        assertThatThrownBy(() -> RunningHub.start(workDir.resolve("failed"), settings))
                .hasStackTraceContaining("hub.eventlog.delivery-timeout-ms");

        // Once the thread that starts the broker has finished, a leaked broker would hold its ports
        // (checking the ports at once passed by a race: the hub failed before the broker bound them).
        await().atMost(Duration.ofSeconds(60)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("embedded-kafka-start") && t.isAlive()));
        // the broker started early is stopped with the failed hub: its ports are free for the next start
        assertThat(free(port)).as("broker port %d free", port).isTrue();
        assertThat(free(controllerPort)).as("controller port %d free", controllerPort).isTrue();
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(String bootstrap, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-check-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
