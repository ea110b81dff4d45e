package io.integrationhub.hub.pubsub;

import io.integrationhub.hub.common.MessagingMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reports a message a subscriber gave up on: error log, failure counter, reason headers for the dead-letter subject. */
public class PubSubDeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(PubSubDeadLetters.class);

    public void describe(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String subscriber = exchange.getProperty(PubSubRoutes.SUBSCRIBER, String.class);
        String reason = cause == null ? "unknown" : String.valueOf(cause.getMessage());
        LOG.error("Subscriber {} failed on a message and reported it to the dead-letter subject: {}", subscriber, reason);
        MeterRegistry registry = exchange.getContext().getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            registry.counter("hub.pubsub.failed", "subscriber", String.valueOf(subscriber)).increment();
        }
        MessagingMetrics.deadLettered(exchange, exchange.getContext().resolvePropertyPlaceholders("{{hub.pubsub.dead-letter-subject}}"));
        var msg = exchange.getIn();
        msg.removeHeaders("*");
        msg.setHeader("x-subscriber", String.valueOf(subscriber));
        msg.setHeader("x-failure-reason", reason);
    }
}
