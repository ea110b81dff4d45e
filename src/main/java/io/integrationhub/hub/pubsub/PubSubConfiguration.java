package io.integrationhub.hub.pubsub;

import java.time.Duration;
import java.time.format.DateTimeParseException;

import javax.sql.DataSource;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.infra.InstanceRegistry;
import io.integrationhub.hub.infra.NatsConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;

/** Beans and settings of the publish–subscribe pattern. */
public final class PubSubConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        DataSource dataSource = DataSourceConfiguration.dataSource(context);
        String instanceId = InstanceRegistry.instanceId(context);
        // whether a subscriber's work is shared between instances follows from its settings, read when it
        // first receives a message: the subscribers are YAML routes an operator may add at any time
        DeliveryLog deliveryLog = new DeliveryLog(dataSource, instanceId, name -> shared(context, name),
                context.getExecutorServiceManager().newDefaultThreadPool(DeliveryLog.class, "pubsub-subscriber"));
        context.getRegistry().bind("deliveryLog", deliveryLog);
        // after the subscriber routes stopped (their messages in flight completed), the last records are committed
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                deliveryLog.group().close();
            }
        });

        // the NATS connection is NatsConfiguration's, registered before this configuration
        NatsConfiguration.NatsMonitor nats = context.getRegistry()
                .lookupByNameAndType(NatsConfiguration.MONITOR, NatsConfiguration.NatsMonitor.class);
        if (nats == null) {
            throw new IllegalStateException("PubSubConfiguration needs NatsConfiguration to be added before it");
        }
        String subject = HubSettings.required(context, "hub.pubsub.subject");
        String deadLetterSubject = HubSettings.required(context, "hub.pubsub.dead-letter-subject");
        String deadLetterStream = HubSettings.optional(context, "hub.pubsub.dead-letter-stream").orElse("");
        Duration ackTimeout = Duration.ofMillis(HubSettings.positiveInt(context, "hub.pubsub.publish.ack-timeout-ms"));
        context.getRegistry().bind("pubSubDeadLetters", new PubSubDeadLetters(nats, deadLetterSubject, deadLetterStream,
                duration(context, "hub.pubsub.jetstream.max-age"), ackTimeout));
        context.getRegistry().bind("orderPublisher", new OrderPublisher(nats, subject,
                HubSettings.required(context, "hub.pubsub.jetstream.stream"),
                HubSettings.bool(context, "hub.pubsub.publish.durable"),
                duration(context, "hub.pubsub.jetstream.max-age"),
                ackTimeout));
        if (!deadLetterStream.isBlank()) {
            DeadLetters.of(context).register(new NatsDeadLetterSource(nats,
                    context.getRegistry().lookupByNameAndType("orderPublisher", OrderPublisher.class), subject,
                    HubSettings.required(context, "hub.pubsub.jetstream.stream"), deadLetterSubject, deadLetterStream, ackTimeout));
        }
    }

    /** A JetStream durable or a queue group: the instances share the subscriber's work. */
    static boolean shared(CamelContext context, String name) {
        boolean jetStream = Boolean.parseBoolean(context.resolvePropertyPlaceholders("{{hub.pubsub." + name + ".jetstream:false}}").trim());
        String queueGroup = context.resolvePropertyPlaceholders("{{?hub.pubsub." + name + ".queue-group}}");
        return jetStream || (queueGroup != null && !queueGroup.isBlank());
    }

    private static Duration duration(CamelContext context, String key) {
        String value = HubSettings.required(context, key);
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Setting " + key + " = '" + value + "' is not an ISO-8601 duration (e.g. P7D)");
        }
    }
}
