package io.integrationhub.hub.common;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * Publishes the transactional outbox to Kafka.
 * <pre>
 *  timer (hub.outbox.poll-ms) ─▶ outbox-relay: pending rows in seq order ─▶ Kafka &lt;row's topic&gt; (acks=all)
 *                                 ─▶ mark published
 * </pre>
 * The relay stops at the first record Kafka does not acknowledge and tries again on the next tick,
 * so while Kafka is down the writes go on and their events wait in the outbox; after a crash
 * between commit and publish the rows are still pending and go out after the restart. A record
 * sent twice (acknowledged, then the hub died before marking it) keeps its eventId, which the
 * consumers apply once. With several instances on one database only the holder of lease
 * {@code outbox-relay} ({@link io.integrationhub.hub.common.Leases}) publishes; another takes over
 * within {@code hub.cluster.lease-ms} when it dies.
 */
public class OutboxRelayRoutes extends RouteBuilder {

    @Override
    public void configure() throws Exception {
        // synchronous: the next tick waits until this one's records are acknowledged; the Kafka
        // producer answers asynchronously, and overlapping ticks would publish the same rows again
        from("timer:outbox-relay?delay=0&period={{hub.outbox.poll-ms}}&synchronous=true")
            .routeId("outbox-relay")
            .autoStartup("{{hub.outbox.relay-enabled}}")
            // Kafka down or slow: the row stays pending and the next tick tries it again
            .onException(Exception.class)
                .handled(true)
                .log(LoggingLevel.WARN, "Outbox relay paused, events stay in the outbox until Kafka acknowledges: "
                        + "${exception.message}")
            .end()
            // one relay across the instances sharing the database (a lease in SQL, taken over when
            // its holder dies): so every event is published once, in order
            .filter(method("leases", "holds('outbox-relay')"))
            .setBody(method("outbox", "pending({{hub.outbox.batch-size}})"))
            .split(body()).stopOnException()
                .setProperty("outboxSeq", simple("${body.seq}"))
                .setHeader(KafkaConstants.OVERRIDE_TOPIC, simple("${body.topic}"))
                .setHeader(KafkaConstants.KEY, simple("${body.aggregateId}"))
                // the write's trace goes on: the Kafka producer span is its child (a timer starts no trace)
                .process(OutboxRelayRoutes::continueTrace)
                .setBody(simple("${body.payload}"))
                // acks=all and idempotence from camel.component.kafka.*; the relay's own timeouts here
                .to(ExchangePattern.InOnly, "kafka:outbox?maxBlockMs={{hub.outbox.max-block-ms}}"
                        + "&requestTimeoutMs={{hub.outbox.request-timeout-ms}}"
                        + "&deliveryTimeoutMs={{hub.outbox.delivery-timeout-ms}}")
                .bean("outbox", "markPublished(${exchangeProperty.outboxSeq})")
            .end();

        from("timer:outbox-purge?delay=60000&period=3600000")
            .routeId("outbox-purge")
            .filter(method("leases", "holds('outbox-purge')"))
            .setBody(method("outbox", "purgeExpired"))
            .filter(simple("${body} > 0"))
                .log("Purged ${body} published outbox rows older than {{hub.outbox.retention-hours}} h")
            .end();
    }

    /** The row's traceparent, when it has one, on the record about to be sent. */
    static void continueTrace(Exchange exchange) {
        String traceparent = exchange.getIn().getBody(Outbox.Pending.class).traceparent();
        if (traceparent != null) {
            exchange.getIn().setHeader(TraceIds.TRACEPARENT, traceparent);
        }
    }
}
