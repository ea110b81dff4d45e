package io.integrationhub.hub.eventlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.ReplayTargets;
import io.integrationhub.hub.infra.KafkaConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beans of the event log, and its topics: each of {@code hub.eventlog.topics} and its {@code .dlt}
 * is created at start if missing, with the configured partitions and replication. A Kafka that is
 * not reachable yet is tried again every few seconds in the background.
 */
public final class EventLogConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogConfiguration.class);

    public static List<String> topics(CamelContext context) {
        return HubSettings.list(context, "hub.eventlog.topics");
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        List<String> topics = topics(context);
        int partitions = HubSettings.positiveInt(context, "hub.eventlog.partitions");
        short replication = (short) HubSettings.positiveInt(context, "hub.eventlog.replication-factor");
        int requestTimeout = HubSettings.positiveInt(context, "hub.eventlog.request-timeout-ms");
        if (HubSettings.positiveInt(context, "hub.eventlog.delivery-timeout-ms") < requestTimeout) {
            // Kafka's producer refuses delivery.timeout.ms < request.timeout.ms (+ linger.ms): say so at start
            throw new IllegalArgumentException("Setting hub.eventlog.delivery-timeout-ms must be at least "
                    + "hub.eventlog.request-timeout-ms (" + requestTimeout + ")");
        }
        String group = HubSettings.required(context, "hub.eventlog.group");

        DataSource dataSource = DataSourceConfiguration.dataSource(context);
        KafkaConfiguration.KafkaAdmin admin = context.getRegistry()
                .lookupByNameAndType(KafkaConfiguration.ADMIN, KafkaConfiguration.KafkaAdmin.class);
        EventProjection projection = new EventProjection(dataSource);
        context.getRegistry().bind("eventProjection", projection);
        int batchSize = HubSettings.positiveInt(context, "hub.dead-letters.batch-size");
        String brokers = HubSettings.required(context, "hub.kafka.brokers");
        for (String topic : topics) {
            DeadLetters.of(context).register(new KafkaDeadLetterSource(topic, brokers, dataSource, batchSize));
        }
        for (String topic : topics) {
            ReplayTargets.of(context).register(topic, "eventlog-" + topic, group + "-" + topic, () -> projection.reset(topic));
        }
        context.getRegistry().bind(EventReplay.BEAN, new EventReplay(context, admin));

        List<NewTopic> wanted = new ArrayList<>();
        for (String topic : topics) {
            wanted.add(new NewTopic(topic, partitions, replication));
            wanted.add(new NewTopic(topic + ".dlt", partitions, replication));
        }
        context.addService(new TopicCreator(context, admin, wanted), true, true);
    }

    /** Creates the topics, retrying in the background until Kafka answers. */
    static final class TopicCreator extends ServiceSupport {
        private final CamelContext context;
        private final KafkaConfiguration.KafkaAdmin admin;
        private final List<NewTopic> topics;
        private ScheduledExecutorService executor;

        TopicCreator(CamelContext context, KafkaConfiguration.KafkaAdmin admin, List<NewTopic> topics) {
            this.context = context;
            this.admin = admin;
            this.topics = topics;
        }

        @Override
        protected void doStart() {
            // in the background from the first attempt: a Kafka that is down must not delay the start
            executor = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "kafka-topic-creator");
            executor.scheduleWithFixedDelay(() -> {
                if (tryCreate()) {
                    executor.shutdown();
                }
            }, 0, 5, TimeUnit.SECONDS);
        }

        @Override
        protected void doStop() {
            if (executor != null) {
                context.getExecutorServiceManager().shutdownNow(executor);
            }
        }

        private boolean tryCreate() {
            var result = admin.get().createTopics(topics).values();
            boolean allThere = true;
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e : result.entrySet()) {
                try {
                    e.getValue().get(10, TimeUnit.SECONDS);
                    LOG.info("Created Kafka topic {}", e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        allThere = false;
                        LOG.warn("Cannot create Kafka topic {} yet: {}", e.getKey(), ex.getCause().getMessage());
                    }
                } catch (Exception ex) {
                    allThere = false;
                    LOG.warn("Cannot create Kafka topic {} yet: {}", e.getKey(), ex.toString());
                }
            }
            return allThere;
        }
    }
}
