package io.integrationhub.hub.queue;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;

/** Counters of the task queue beyond Camel's per-route ones: retried attempts and dead-lettered tasks. */
final class TaskMetrics {

    private TaskMetrics() {
    }

    static void retried(Exchange exchange) {
        count(exchange, "hub.tasks.retried");
    }

    static void deadLettered(Exchange exchange) {
        count(exchange, "hub.tasks.dead.lettered");
    }

    private static void count(Exchange exchange, String name) {
        MeterRegistry registry = exchange.getContext().getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            registry.counter(name, "queue", exchange.getContext().resolvePropertyPlaceholders("{{hub.tasks.queue}}"))
                    .increment();
        }
    }
}
