package io.integrationhub.hub.eventlog;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DeadLetters.Action;
import io.integrationhub.hub.common.DeadLetters.Letter;
import io.integrationhub.hub.common.DomainException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A dead-letter topic {@code <topic>.dlt} of the event log, for recovery. Kafka cannot delete one
 * record, so what takes a record off the list is its row in {@code dead_letter_action} (REDRIVEN or
 * DISCARDED), shared by every instance; the records are read by offset, without a consumer group.
 * Record ids are {@code <partition>-<offset>}, the walk goes partition by partition, oldest first.
 * A redriven record goes back to its original topic (header {@code x-original-topic}) with its key,
 * value and trace headers, produced with acks=all and idempotence; its row is written only after
 * Kafka acknowledged it, so a crash in between redrives it again (a duplicate the consumers, idempotent
 * by eventId, apply once), never loses it.
 */
public class KafkaDeadLetterSource implements DeadLetters.Source {

    /** Headers describing the failure, not carried into the redriven record. */
    private static final Set<String> FAILURE_HEADERS = Set.of("x-failure-reason", "x-original-topic", "x-failed-route",
            "x-original-partition", "x-original-offset", DeadLetters.REDRIVE_COUNT, DeadLetters.REDRIVEN_FROM);

    private final String topic;
    private final String deadLetterTopic;
    private final String brokers;
    private final DataSource dataSource;
    private final int batchSize;

    public KafkaDeadLetterSource(String topic, String brokers, DataSource dataSource, int batchSize) {
        this.topic = topic;
        this.deadLetterTopic = topic + ".dlt";
        this.brokers = brokers;
        this.dataSource = dataSource;
        this.batchSize = batchSize;
    }

    @Override
    public String name() {
        return deadLetterTopic;
    }

    @Override
    public String broker() {
        return "kafka";
    }

    @Override
    public String redrivesTo() {
        return "topic " + topic;
    }

    @Override
    public long depth() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long total = 0;
            for (TopicPartition tp : partitions) {
                total += end.get(tp) - begin.get(tp);
            }
            for (String id : resolved()) {
                int dash = id.indexOf('-');
                TopicPartition tp = new TopicPartition(deadLetterTopic, Integer.parseInt(id.substring(0, dash)));
                long offset = Long.parseLong(id.substring(dash + 1));
                if (begin.containsKey(tp) && offset >= begin.get(tp) && offset < end.get(tp)) {
                    total--;
                }
            }
            return total;
        } catch (KafkaException e) {
            throw unavailable(e);
        }
    }

    @Override
    public void walk(int scanLimit, int bodyLimit, DeadLetters.Decider decider, DeadLetters.Done done) {
        KafkaProducer<byte[], byte[]> producer = null;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Set<String> resolved = resolved();
            List<TopicPartition> partitions = partitions(consumer);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            List<Letter> redriven = new ArrayList<>();
            int scanned = 0;
            walk:
            for (TopicPartition tp : partitions) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long idleSince = System.nanoTime();
                while (consumer.position(tp) < end.get(tp)) {
                    var records = consumer.poll(Duration.ofMillis(500));
                    if (records.isEmpty()) {
                        if (System.nanoTime() - idleSince > Duration.ofSeconds(15).toNanos()) {
                            throw new DomainException.Unavailable("Kafka returned none of the records of " + tp
                                    + " within 15 s; nothing more was done");
                        }
                        continue;
                    }
                    idleSince = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        if (record.offset() >= end.get(tp)) {
                            break;
                        }
                        Letter letter = letter(record, bodyLimit);
                        if (resolved.contains(letter.id())) {
                            continue;
                        }
                        Action action = scanned++ >= scanLimit ? Action.STOP : decider.decide(letter);
                        if (action == Action.STOP) {
                            break walk;
                        } else if (action == Action.DISCARD) {
                            done.done(List.of(letter), Action.DISCARD);
                        } else if (action == Action.REDRIVE) {
                            if (producer == null) {
                                producer = producer();
                            }
                            sent.add(producer.send(redrive(record, letter)));
                            redriven.add(letter);
                            if (redriven.size() >= batchSize) {
                                acknowledged(producer, sent, redriven, done);
                            }
                        }
                    }
                }
            }
            if (producer != null) {
                acknowledged(producer, sent, redriven, done);
            }
        } catch (KafkaException e) {
            throw unavailable(e);
        } catch (DomainException e) {
            throw e;
        } catch (Exception e) {
            throw new DomainException.Unavailable("Kafka did not acknowledge a redriven record, it stays on "
                    + deadLetterTopic + ": " + e.getMessage(), e);
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /** Waits until Kafka acknowledged every record sent; only then are they recorded as redriven. */
    private static void acknowledged(KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent,
                                     List<Letter> letters, DeadLetters.Done done) throws Exception {
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        if (!letters.isEmpty()) {
            done.done(List.copyOf(letters), Action.REDRIVE);
        }
        sent.clear();
        letters.clear();
    }

    private ProducerRecord<byte[], byte[]> redrive(ConsumerRecord<byte[], byte[]> record, Letter letter) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            if (!FAILURE_HEADERS.contains(h.key())) {
                headers.add(h);
            }
        }
        headers.add(DeadLetters.REDRIVE_COUNT, String.valueOf(letter.redriveCount() + 1).getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetters.REDRIVEN_FROM, deadLetterTopic.getBytes(StandardCharsets.UTF_8));
        String original = letter.headers().getOrDefault("x-original-topic", topic);
        return new ProducerRecord<>(original, null, record.key(), record.value(), headers);
    }

    private Letter letter(ConsumerRecord<byte[], byte[]> record, int bodyLimit) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        if (record.key() != null) {
            headers.put("kafka.KEY", new String(record.key(), StandardCharsets.UTF_8));
        }
        byte[] body = record.value() == null ? new byte[0] : record.value();
        return new Letter(record.partition() + "-" + record.offset(), Instant.ofEpochMilli(record.timestamp()),
                headers.getOrDefault("x-failure-reason", "unknown"), headers.get("x-failed-route"), null,
                DeadLetters.redriveCount(headers.get(DeadLetters.REDRIVE_COUNT)), headers,
                DeadLetters.bodyText(body, bodyLimit), body.length, body.length > bodyLimit);
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<PartitionInfo> infos = consumer.partitionsFor(deadLetterTopic);
        if (infos == null || infos.isEmpty()) {
            return List.of();
        }
        return infos.stream().map(p -> new TopicPartition(deadLetterTopic, p.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    /** The records taken off the list: redriven or discarded. */
    private Set<String> resolved() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT message_id FROM dead_letter_action "
                     + "WHERE source = ? AND outcome IN ('REDRIVEN', 'DISCARDED')")) {
            ps.setString(1, deadLetterTopic);
            Set<String> ids = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new DomainException.Unavailable("the database is unreachable: " + e.getMessage(), e);
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "hub-dead-letters");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "hub-dead-letters");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private DomainException unavailable(Exception e) {
        return new DomainException.Unavailable("Kafka is unreachable, " + deadLetterTopic + " cannot be read: "
                + e.getMessage(), e);
    }
}
