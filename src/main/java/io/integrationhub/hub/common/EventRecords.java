package io.integrationhub.hub.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.camel.support.ExpressionAdapter;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * What every consumer of the event topics shares (the event log's projection, the CQRS projector,
 * the choreography saga): reading a record's envelope, the batch-then-one-by-one hand-over, and
 * committing offsets only after the work is done.
 */
public final class EventRecords {

    /** Exchange property of a batch: the records to apply one by one after it, in their order. */
    public static final String ONE_BY_ONE = "hubRecordsOneByOne";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventRecords() {
    }

    /** The event envelope in a record's value; a value that is not one is an {@link InvalidEventException}. */
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
        return event;
    }

    /** The record messages a batch left to apply one by one ({@link #ONE_BY_ONE}). */
    public static Expression recordsLeft() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange batch) {
                @SuppressWarnings("unchecked")
                List<Exchange> left = batch.getProperty(ONE_BY_ONE, List.class);
                return left == null ? List.of() : left.stream().map(Exchange::getIn).toList();
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
