package io.integrationhub.hub.eventlog;

import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventRecords;
import io.integrationhub.hub.common.EventLogDeadLetterConfiguration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.eventlog.api.AppendEvent;
import io.integrationhub.hub.eventlog.api.EventAppended;
import io.integrationhub.hub.eventlog.api.ReplayStarted;
import io.integrationhub.hub.common.EventEnvelope;
import io.integrationhub.hub.common.EventSchemas;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

import static org.apache.camel.builder.endpoint.StaticEndpointBuilders.kafka;

/**
 * Event log on Kafka: topics {@code user-events} and {@code order-events}, record key = entity id,
 * value = the event envelope, produced with acks=all and idempotence.
 * <pre>
 *  POST /api/events/{topic} ─▶ eventlog-append ─▶ Kafka topic
 *  Kafka topic ─▶ eventlog-&lt;topic&gt; (group hub.eventlog.group-&lt;topic&gt;): a poll's records
 *                   ─▶ SQL projection, one transaction ─▶ commit the highest offset per partition
 *                   └─ not events, or a batch refused ─▶ eventlog-apply-record, one by one
 *                        └─ retries exhausted / not an event ─▶ eventlog-dead-letter ─▶ &lt;topic&gt;.dlt
 *  POST /admin/replay/{topic} ─▶ eventlog-replay: clear the projection, rewind the group to offset 0
 * </pre>
 * At-least-once: offsets are committed only after the projection's transaction (and the dead
 * letters) are done; the projection is idempotent by eventId, so a redelivery changes nothing.
 */
public class EventLogRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        List<String> topics = EventLogConfiguration.topics(getContext());
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.eventlog.max-body-bytes}}"));

        for (String topic : topics) {
            // one group per topic, so a replay of one topic can rewind its group while the others run;
            // consumersCount: one consumer (thread) per partition, in order within each.
            // batching: a poll's records (up to max-poll-records) are applied in one transaction, then the
            // highest offset per partition is committed, synchronously (one commit per poll; camel-kafka
            // 4.17's batching consumer never sends offsets recorded for an asynchronous commit). A crash
            // before the commit means records applied again, which changes nothing (by eventId), never
            // records skipped. breakOnFirstError: a batch that fails, its commit included, is polled
            // again from the last commit.
            // brokers, offsets committed by hand, poll sizes: camel.component.kafka.*
            from(kafka(topic).groupId("{{hub.eventlog.group}}-" + topic)
                    .batching(true).breakOnFirstError(true).consumersCount("{{hub.eventlog.consumers}}"))
                .routeId("eventlog-" + topic)
                // each record's own trace shows its event applied (the batch is one exchange of its own)
                .process(EventRecords.recordSpans("event log projection"))
                .bean("eventProjection", "applyBatch")
                // what the batch left (not events; or all, when its transaction failed), in order
                .process(EventRecords.applyOneByOne("direct:eventlog-apply-record"))
                .process(EventRecords::commitHighestOffsets);
        }

        // one record: retried, then dead-lettered (a record that is not an event at once)
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest().tag("event log")
                .post("/api/events/{topic}").id("eventlog-append")
                    .description("Append an event to a Kafka topic of hub.eventlog.topics; 201 once Kafka acknowledged it (acks=all)")
                    .consumes("application/json").produces("application/json")
                    .type(AppendEvent.class)
                    .param().name("Idempotency-Key").type(RestParamType.header).required(false)
                        .description("a retry with the same key appends the same eventId, applied once").endParam()
                    .responseMessage().code(400).message("invalid event (problem+json)").endResponseMessage()
                    .responseMessage().code(404).message("no such topic").endResponseMessage()
                    .responseMessage().code(503).message("Kafka unavailable or did not acknowledge in time").endResponseMessage()
                    .responseMessage().code(201).message("appended").responseModel(EventAppended.class).endResponseMessage()
                    .to("direct:eventlog-append")
                .post("/admin/replay/{topic}").id("eventlog-replay")
                    .description("Replay a topic: without from, clear the projections and rewind to offset 0; with from, rewind to that time")
                    .produces("application/json").outType(ReplayStarted.class)
                    .param().name("from").type(RestParamType.query).required(false).description("ISO-8601 instant").endParam()
                    .param().name("dryRun").type(RestParamType.query).required(false).dataType("boolean").endParam()
                    .param().name("X-API-Key").type(RestParamType.header).required(true).description("the admin key").endParam()
                    .responseMessage().code(409).message("a replay is running").endResponseMessage()
                    .responseMessage().code(202).message("replay started").responseModel(ReplayStarted.class).endResponseMessage()
                    .responseMessage().code(200).message("dry run: what would be replayed").responseModel(ReplayStarted.class).endResponseMessage()
                    .to("direct:eventlog-replay");
        }

        from("direct:eventlog-apply-record")
            .routeId("eventlog-apply-record")
            .routeConfigurationId(EventLogDeadLetterConfiguration.ID)
            .bean("eventProjection", "apply");

        from("direct:eventlog-dead-letter")
            .routeId("eventlog-dead-letter")
            .process(e -> {
                Exception cause = e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                String topic = e.getIn().getHeader(KafkaConstants.TOPIC, String.class);
                e.getIn().setHeader(KafkaConstants.OVERRIDE_TOPIC, topic + ".dlt");
                e.getIn().setHeader("x-failure-reason", cause == null ? "unknown" : String.valueOf(cause.getMessage()));
                e.getIn().setHeader("x-original-topic", topic);
                // several consumers read a topic (event-log projection, CQRS projector): say whose failure it was
                e.getIn().setHeader("x-failed-route", e.getFromRouteId());
                e.getIn().setHeader("x-original-partition", String.valueOf(e.getIn().getHeader(KafkaConstants.PARTITION)));
                e.getIn().setHeader("x-original-offset", String.valueOf(e.getIn().getHeader(KafkaConstants.OFFSET)));
                MessagingMetrics.deadLettered(e, topic + ".dlt");
            })
            .to(ExchangePattern.InOnly, "kafka:dead-letters")
            // dead-lettered is done with: the consumer moves on to the next record
            .process(EventRecords::commit);

        from("direct:eventlog-append")
            .routeId("eventlog-append")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            // no acknowledgement from Kafka: nothing is promised. A timeout is ambiguous (the record may
            // be stored without its ack arriving), so the answer says so; a retry with the same
            // Idempotency-Key appends the same eventId, which the consumers apply once
            .onException(org.apache.kafka.common.errors.TimeoutException.class)
                .handled(true)
                .process(HttpProblemRouteConfiguration.problem(503, "Service Unavailable",
                        "Kafka did not acknowledge the event in time; it may or may not be stored. Retry with the same "
                        + "Idempotency-Key: the same eventId is appended, and applied once"))
            .end()
            .onException(KafkaException.class)
                .handled(true)
                .process(HttpProblemRouteConfiguration.problem(503, "Service Unavailable",
                        "Kafka is unavailable, the event was not stored"))
            .end()
            .process(e -> requireTopic(e, topics))
            .process(JsonRequests.requireJson(maxBody))
            .bean(IdempotentRequests.BEAN, "claim")
            .to("json-validator:schema/event-append.json")
            .process(EventLogRoutes::toEnvelope)
            // acks=all, idempotence; the timeouts (camel.component.kafka.*) answer 503 within seconds while
            // Kafka is away, rather than after the client's 2 minutes
            .to(ExchangePattern.InOnly, "kafka:events?recordMetadata=true")
            .process(EventLogRoutes::appended)
            .bean(IdempotentRequests.BEAN, "remember");

        from("direct:eventlog-replay")
            .routeId("eventlog-replay")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> requireTopic(e, topics))
            // ?from=<ISO-8601>: from that time, nothing cleared; ?dryRun=true: only count (docs/recovery.md)
            .bean("eventReplay", "replay(${header.topic}, ${header.from}, ${header.dryRun})")
            .process(e -> JsonResponses.answer(e, "DRY_RUN".equals(((ReplayStarted) e.getMessage().getBody()).status())
                    ? 200 : 202, e.getMessage().getBody()));
    }

    private static void requireTopic(Exchange exchange, List<String> topics) {
        String topic = exchange.getIn().getHeader("topic", String.class);
        if (!topics.contains(topic)) {
            throw HttpProblemException.notFound("no event topic " + topic + "; topics: " + String.join(", ", topics));
        }
    }

    private static void toEnvelope(Exchange exchange) throws Exception {
        AppendEvent request = JSON.readValue(exchange.getIn().getBody(byte[].class), AppendEvent.class);
        // with an Idempotency-Key, a retry appends the same eventId: the consumers apply it once
        String eventId = IdempotentRequests.stableId(exchange).orElseGet(() -> UUID.randomUUID().toString());
        // an event type with a schema (events/<Event>/v<N>.json) must match it: 400 naming what is wrong
        EventEnvelope envelope = EventSchemas.shared().stamp(new EventEnvelope(eventId, request.event(),
                Instant.now().toString(), request.data()));
        String topic = exchange.getIn().getHeader("topic", String.class);
        exchange.getIn().removeHeaders("*");
        exchange.getIn().setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        exchange.getIn().setHeader(KafkaConstants.KEY, request.key());
        exchange.setProperty("eventId", envelope.eventId());
        exchange.getIn().setBody(JSON.writeValueAsString(envelope));
    }

    @SuppressWarnings("unchecked")
    private static void appended(Exchange exchange) throws Exception {
        List<RecordMetadata> metadata = exchange.getMessage().getHeader(KafkaConstants.KAFKA_RECORD_META, List.class);
        RecordMetadata stored = metadata.get(0);
        JsonResponses.answer(exchange, 201, new EventAppended(
                exchange.getProperty("eventId", String.class), stored.topic(), stored.partition(), stored.offset()));
    }
}
