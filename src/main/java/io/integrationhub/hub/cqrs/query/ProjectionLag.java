package io.integrationhub.hub.cqrs.query;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.integrationhub.hub.infra.KafkaConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many events of a topic a consumer group has not applied yet: the sum over the partitions of
 * (end offset − committed offset), read with Kafka's admin API every few seconds in the background
 * (never on a metrics scrape, which must not wait for Kafka). NaN while Kafka cannot be asked.
 */
public class ProjectionLag extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionLag.class);

    private final CamelContext context;
    private final KafkaConfiguration.KafkaAdmin admin;
    private final String topic;
    private final String group;
    private final long intervalMs;
    private volatile double lag = Double.NaN;
    private ScheduledExecutorService executor;

    public ProjectionLag(CamelContext context, KafkaConfiguration.KafkaAdmin admin, String topic, String group,
                         long intervalMs) {
        this.context = context;
        this.admin = admin;
        this.topic = topic;
        this.group = group;
        this.intervalMs = intervalMs;
    }

    public double lag() {
        return lag;
    }

    /** Reads the lag now (also what the background task runs). */
    public double refresh() {
        try {
            var admin = this.admin.get();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            var partitions = admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS)
                    .get(topic).partitions().stream()
                    .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS);
            long sum = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(end.getKey());
                sum += Math.max(0, end.getValue().offset() - (done == null ? 0 : done.offset()));
            }
            lag = sum;
        } catch (Exception e) {
            LOG.debug("Projection lag of {} on {} unknown: {}", group, topic, e.toString());
            lag = Double.NaN;
        }
        return lag;
    }

    @Override
    protected void doStart() {
        executor = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "cqrs-projection-lag");
        executor.scheduleWithFixedDelay(this::refresh, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        if (executor != null) {
            context.getExecutorServiceManager().shutdownNow(executor);
        }
    }
}
