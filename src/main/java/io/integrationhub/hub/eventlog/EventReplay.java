package io.integrationhub.hub.eventlog;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.eventlog.api.ReplayStarted;
import io.integrationhub.hub.infra.KafkaConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds what the consumers derive from a topic: stops the topic's consumer route (its consumer
 * leaves the group), clears the projection, rewinds the group's committed offsets to the earliest
 * record with Kafka's admin API, and starts the route again, which then re-reads from offset 0.
 */
public class EventReplay {

    private static final Logger LOG = LoggerFactory.getLogger(EventReplay.class);

    private final CamelContext context;
    private final EventProjection projection;
    private final KafkaConfiguration.KafkaAdmin admin;
    private final String group;

    public EventReplay(CamelContext context, EventProjection projection, KafkaConfiguration.KafkaAdmin admin, String group) {
        this.context = context;
        this.projection = projection;
        this.admin = admin;
        this.group = group;
    }

    public synchronized void replay(String topic, Exchange exchange) throws Exception {
        String routeId = "eventlog-" + topic;
        String groupId = group + "-" + topic;
        context.getRouteController().stopRoute(routeId);
        try {
            awaitEmpty(groupId);
            projection.reset(topic);
            rewind(topic, groupId);
        } finally {
            context.getRouteController().startRoute(routeId);
        }
        LOG.info("Replay of {} started: projection cleared, group {} rewound to the earliest offsets", topic, groupId);
        JsonResponses.answer(exchange, 202, new ReplayStarted(topic, groupId, "REPLAYING"));
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
                throw new HttpProblemException(409, "Conflict", "consumer group " + groupId
                        + " still has members on other hub instances; stop their eventlog route first. Nothing was changed");
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
