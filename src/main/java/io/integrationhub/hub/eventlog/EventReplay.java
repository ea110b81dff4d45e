package io.integrationhub.hub.eventlog;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.ReplayTargets;
import io.integrationhub.hub.common.ReplayTargets.Target;
import io.integrationhub.hub.eventlog.api.ReplayStarted;
import io.integrationhub.hub.infra.KafkaConfiguration;
import org.apache.camel.CamelContext;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds what the consumers derive from a topic. Each consumer that derives state from a topic
 * is registered in {@link ReplayTargets} (its route, its group, how to clear its state): the event log's projection, the
 * CQRS read model. A replay stops those routes (their consumers leave their groups), clears their
 * state, rewinds each group's committed offsets to the earliest record with Kafka's admin API, and
 * starts the routes again, which then re-read from offset 0.
 */
public class EventReplay {

    public static final String BEAN = "eventReplay";
    private static final Logger LOG = LoggerFactory.getLogger(EventReplay.class);

    private final CamelContext context;
    private final KafkaConfiguration.KafkaAdmin admin;

    public EventReplay(CamelContext context, KafkaConfiguration.KafkaAdmin admin) {
        this.context = context;
        this.admin = admin;
    }

    public synchronized ReplayStarted replay(String topic) throws Exception {
        return replay(topic, null, null);
    }

    /**
     * Without {@code from}: clears the derived state and rewinds to offset 0 (a rebuild). With
     * {@code from} (ISO-8601): rewinds each group, per partition, to the first record at or after
     * that time (Kafka's offsets-for-times) and clears nothing: the consumers, idempotent by eventId,
     * apply what they had not applied (records they dead-lettered, say) and skip the rest. With
     * {@code dryRun=true}: only counts, per partition, the records that would be read again.
     */
    public synchronized ReplayStarted replay(String topic, String fromText, String dryRunText) throws Exception {
        Instant from = from(fromText);
        boolean dryRun = dryRun(dryRunText);
        List<Target> list = ReplayTargets.of(context).of(topic);
        List<String> groups = list.stream().map(Target::groupId).toList();
        Map<TopicPartition, Long> target = offsets(topic, from);
        Map<Integer, Long> records = records(topic, target);
        String since = from == null ? null : from.toString();
        if (dryRun) {
            return new ReplayStarted(topic, groups, "DRY_RUN", since, records);
        }
        for (Target t : list) {
            context.getRouteController().stopRoute(t.routeId());
        }
        try {
            // every group must be empty before anything is cleared, so a 409 changes nothing
            for (Target t : list) {
                awaitEmpty(t.groupId());
            }
            for (Target t : list) {
                if (from == null) {
                    t.reset().reset();
                }
                admin.get().alterConsumerGroupOffsets(t.groupId(), target.entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))))
                        .all().get(10, TimeUnit.SECONDS);
            }
        } finally {
            for (Target t : list) {
                context.getRouteController().startRoute(t.routeId());
            }
        }
        if (from == null) {
            LOG.info("Replay of {} started: derived state cleared, groups {} rewound to the earliest offsets", topic, groups);
        } else {
            LOG.info("Replay of {} from {} started: groups {} rewound, {} record(s) to read again", topic, from, groups,
                    records.values().stream().mapToLong(Long::longValue).sum());
        }
        return new ReplayStarted(topic, groups, "REPLAYING", since, records);
    }

    private static Instant from(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Instant from;
        try {
            from = Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new DomainException.Invalid("from must be an ISO-8601 instant such as 2026-11-29T10:00:00Z, not " + text);
        }
        if (from.isAfter(Instant.now())) {
            throw new DomainException.Invalid("from (" + from + ") is in the future: there is nothing to replay");
        }
        return from;
    }

    private static boolean dryRun(String text) {
        if (text == null || text.isBlank() || "false".equalsIgnoreCase(text.trim())) {
            return false;
        }
        if ("true".equalsIgnoreCase(text.trim())) {
            return true;
        }
        throw new DomainException.Invalid("dryRun must be true or false, not " + text);
    }

    /** Offsets of a group can only be changed while it has no member: wait for the stopped consumer to leave. */
    private void awaitEmpty(String groupId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            var description = admin.get().describeConsumerGroups(java.util.List.of(groupId)).all()
                    .get(10, TimeUnit.SECONDS).get(groupId);
            if (description.members().isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new DomainException.Conflict("consumer group " + groupId
                        + " still has members on other hub instances; stop their consumer route first. Nothing was changed");
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** Per partition of {@code topic}: the earliest offset, or the first at or after {@code from} (the end when none is). */
    private Map<TopicPartition, Long> offsets(String topic, Instant from) throws Exception {
        Admin client = admin.get();
        List<TopicPartition> partitions = client.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
        OffsetSpec spec = from == null ? OffsetSpec.earliest() : OffsetSpec.forTimestamp(from.toEpochMilli());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = client.listOffsets(
                partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> spec))).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, Long> end = latest(topic, partitions);
        Map<TopicPartition, Long> offsets = new TreeMap<>(Comparator.comparingInt(TopicPartition::partition));
        for (TopicPartition tp : partitions) {
            long offset = found.get(tp).offset();
            // no record at or after the time: nothing of this partition is read again
            offsets.put(tp, offset < 0 ? end.get(tp) : offset);
        }
        return offsets;
    }

    private Map<TopicPartition, Long> latest(String topic, List<TopicPartition> partitions) throws Exception {
        return admin.get().listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all().get(10, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** Records per partition from {@code target} to the end of the partition. */
    private Map<Integer, Long> records(String topic, Map<TopicPartition, Long> target) throws Exception {
        Map<TopicPartition, Long> end = latest(topic, List.copyOf(target.keySet()));
        Map<Integer, Long> records = new TreeMap<>();
        target.forEach((tp, offset) -> records.put(tp.partition(), Math.max(0, end.get(tp) - offset)));
        return records;
    }
}
