package io.integrationhub.hub.eventlog;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;

/** The event log's own counter beyond Camel's per-route ones: records sent to a dead-letter topic. */
final class EventLogMetrics {

    private EventLogMetrics() {
    }

    static void deadLettered(Exchange exchange, String topic) {
        MeterRegistry registry = exchange.getContext().getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            registry.counter("hub.eventlog.dead.lettered", "topic", String.valueOf(topic)).increment();
        }
    }
}
