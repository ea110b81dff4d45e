package io.integrationhub.hub.common;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;

/**
 * Counters of the broker patterns beyond Camel's per-route exchange counts (messages in and out):
 * {@code hub_messages_retried_total{route}} for every redelivery attempt and
 * {@code hub_messages_dead_lettered_total{route,destination}} for every message given up, and
 * {@code hub_messages_duplicates_total{route}} for every message delivered again whose effect was
 * already applied (so it changed nothing: at-least-once delivery, effects once).
 */
public final class MessagingMetrics {

    private MessagingMetrics() {
    }

    /** For {@code onRedelivery}: one more attempt of the message in the route it came from. */
    public static void retried(Exchange exchange) {
        MeterRegistry registry = registry(exchange);
        if (registry != null) {
            registry.counter("hub.messages.retried", "route", String.valueOf(exchange.getFromRouteId())).increment();
        }
    }

    /** The message of the route it came from was given up and sent to {@code destination}. */
    public static void deadLettered(Exchange exchange, String destination) {
        MeterRegistry registry = registry(exchange);
        if (registry != null) {
            registry.counter("hub.messages.dead.lettered", "route", String.valueOf(exchange.getFromRouteId()),
                    "destination", String.valueOf(destination)).increment();
        }
    }

    /** The message of the route it came from had been applied before: nothing was changed. */
    public static void duplicateIgnored(Exchange exchange) {
        MeterRegistry registry = registry(exchange);
        if (registry != null) {
            registry.counter("hub.messages.duplicates", "route", String.valueOf(exchange.getFromRouteId())).increment();
        }
    }

    private static MeterRegistry registry(Exchange exchange) {
        return exchange.getContext().getRegistry().findSingleByType(MeterRegistry.class);
    }
}
