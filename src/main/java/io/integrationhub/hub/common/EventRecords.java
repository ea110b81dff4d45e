package io.integrationhub.hub.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * What every consumer of the event topics shares (the event log's projection, the CQRS projector,
 * the choreography saga): reading a record's envelope, the batch-then-one-by-one hand-over, and
 * committing offsets only after the work is done.
 */
public final class EventRecords {

    /** Exchange property of a batch: the records to apply one by one after it, in their order. */
    public static final String ONE_BY_ONE = "hubRecordsOneByOne";
    private static final ObjectMapper JSON = Json.MAPPER;

    private EventRecords() {
    }

    /**
     * The event envelope in a record's value, its data in the current shape of its type ({@link EventSchemas#read});
     * a value that is not one, or an event matching no schema of its type, is an {@link InvalidEventException}.
     */
    public static EventEnvelope envelope(String value) throws InvalidEventException {
        EventEnvelope event;
        try {
            event = JSON.readValue(value, EventEnvelope.class);
        } catch (Exception e) {
            throw new InvalidEventException("record value is not an event envelope in JSON: " + e.getMessage());
        }
        if (event == null || blank(event.eventId()) || blank(event.event()) || blank(event.occurredAt())) {
            throw new InvalidEventException("record value lacks eventId, event or occurredAt");
        }
        return EventSchemas.shared().read(event);
    }

    /**
     * Sends each record a batch left ({@link #ONE_BY_ONE}) to {@code endpointUri}, the per-record route
     * (retries, then the dead letters), in order, and stops at the first one that comes back failed (its
     * dead letter could not be written either): that fails the batch, which Kafka delivers again from the
     * last commit.
     * <p>
     * A loop of its own rather than Camel's Splitter with {@code stopOnException}: that one also stops
     * after a record the error handler <em>handled</em> (dead-lettered), so the records after it in the
     * same poll were neither applied nor dead-lettered, and were skipped for good once a later poll
     * committed past them (found by CqrsTest: two invalid events in one poll, the second never seen again).
     */
    public static Processor applyOneByOne(String endpointUri) {
        return batch -> {
            @SuppressWarnings("unchecked")
            List<Exchange> left = batch.getProperty(ONE_BY_ONE, List.class);
            if (left == null || left.isEmpty()) {
                return;
            }
            ProducerTemplate template = batch.getContext().createProducerTemplate();
            try {
                for (Exchange record : left) {
                    Exchange result = template.send(endpointUri, one -> {
                        one.getIn().copyFrom(record.getIn());
                        // the dead letters name the consumer route that gave up (x-failed-route)
                        one.getExchangeExtension().setFromRouteId(batch.getFromRouteId());
                    });
                    if (result.getException() != null) {
                        throw result.getException();
                    }
                }
            } finally {
                template.stop();
            }
        };
    }

    /**
     * Commits, per partition, the offset of the last record of a batch (camel-kafka batching with
     * allowManualCommit: each record carries its own manual commit). Call it only once every record
     * of the batch is applied or dead-lettered.
     */
    public static void commitHighestOffsets(Exchange batch) {
        @SuppressWarnings("unchecked")
        List<Exchange> records = batch.getIn().getBody(List.class);
        Map<String, KafkaManualCommit> last = new LinkedHashMap<>();
        for (Exchange record : records) {
            KafkaManualCommit commit = record.getIn().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                last.put(record.getIn().getHeader(KafkaConstants.TOPIC) + "-" + record.getIn().getHeader(KafkaConstants.PARTITION), commit);
            }
        }
        last.values().forEach(KafkaManualCommit::commit);
    }

    /**
     * Starts, for each record of a batch that carries a {@code traceparent}, a span "{@code name}" in that
     * record's trace, ended when the batch's exchange completes: a batch is one exchange (one span of
     * Camel's, in a trace of its own), but each record's trace must show that its event was applied.
     * With tracing off the records carry no traceparent and nothing is started.
     */
    public static Processor recordSpans(String name) {
        return batch -> {
            @SuppressWarnings("unchecked")
            List<Exchange> records = batch.getIn().getBody(List.class);
            List<Span> spans = new ArrayList<>();
            for (Exchange record : records) {
                Span span = Spans.continuing(record.getIn().getHeader(TraceIds.TRACEPARENT, String.class), name,
                        record.getIn().getHeader(KafkaConstants.TOPIC, String.class));
                if (span.getSpanContext().isValid()) {
                    spans.add(span);
                }
            }
            if (!spans.isEmpty()) {
                batch.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                    @Override
                    public void onDone(Exchange exchange) {
                        spans.forEach(Span::end);
                    }
                });
            }
        };
    }

    /** Commits the offset of the record in the exchange (consumers with allowManualCommit). */
    public static void commit(Exchange exchange) {
        KafkaManualCommit commit = exchange.getIn().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit != null) {
            commit.commit();
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
