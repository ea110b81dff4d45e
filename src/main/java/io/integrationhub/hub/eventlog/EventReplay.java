package io.integrationhub.hub.eventlog;

import java.util.List;
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
        List<Target> list = ReplayTargets.of(context).of(topic);
        for (Target target : list) {
            context.getRouteController().stopRoute(target.routeId());
        }
        try {
            // every group must be empty before anything is cleared, so a 409 changes nothing
            for (Target target : list) {
                awaitEmpty(target.groupId());
            }
            for (Target target : list) {
                target.reset().reset();
                rewind(topic, target.groupId());
            }
        } finally {
            for (Target target : list) {
                context.getRouteController().startRoute(target.routeId());
            }
        }
        List<String> groups = list.stream().map(Target::groupId).toList();
        LOG.info("Replay of {} started: derived state cleared, groups {} rewound to the earliest offsets", topic, groups);
        return new ReplayStarted(topic, groups, "REPLAYING");
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

    private void rewind(String topic, String groupId) throws Exception {
        Admin client = admin.get();
        var partitions = client.describeTopics(java.util.List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.earliest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> earliest =
                client.listOffsets(partitions).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> offsets = earliest.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
        client.alterConsumerGroupOffsets(groupId, offsets).all().get(10, TimeUnit.SECONDS);
    }
}
