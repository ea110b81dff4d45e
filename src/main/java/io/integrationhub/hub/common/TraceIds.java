package io.integrationhub.hub.common;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import org.apache.camel.Exchange;

/**
 * The trace a piece of work belongs to, for the places that show or keep it: problem+json answers
 * ({@code "traceId"}), the rows of tasks and orders, the outbox (whose relay continues the trace).
 * The spans themselves are Camel's (camel-opentelemetry2); with tracing off every method here answers null.
 */
public final class TraceIds {

    /** Exchange header Camel's tracer keeps the current trace id in ({@code org.apache.camel.telemetry.Tracer.TRACE_HEADER}). */
    public static final String EXCHANGE_HEADER = "CAMEL_TRACE_ID";
    /** The W3C header that carries a trace across HTTP, Kafka, AMQP and NATS, and that the outbox keeps. */
    public static final String TRACEPARENT = "traceparent";

    private static final Pattern W3C = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

    private TraceIds() {
    }

    /** The trace id of the work {@code exchange} is part of; null when it is not traced. */
    public static String of(Exchange exchange) {
        return exchange == null ? null : exchange.getMessage().getHeader(EXCHANGE_HEADER, String.class);
    }

    /** The trace id of the span current on this thread (Camel makes each span current while it runs); null when none. */
    public static String current() {
        return live() ? Span.current().getSpanContext().getTraceId() : null;
    }

    /**
     * Whether the span current on this thread is a recording one. An ended span can stay "current": Camel
     * makes a span current on the thread that starts it and closes it on the one that ends it, and for an
     * asynchronous producer (Kafka) those differ, so the starting thread keeps the ended span as its
     * context. Work done later on that thread (a timer's next poll) must not join that old trace.
     */
    static boolean live() {
        Span span = Span.current();
        return span.getSpanContext().isValid() && span.isRecording();
    }

    /** The W3C {@code traceparent} of the span current on this thread, to continue the trace later; null when none. */
    public static String currentTraceparent() {
        if (!live()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        return carrier.get(TRACEPARENT);
    }

    /** The trace id inside a W3C {@code traceparent} header, or null when it is missing or malformed. */
    public static String fromTraceparent(String traceparent) {
        if (traceparent == null) {
            return null;
        }
        var matcher = W3C.matcher(traceparent.trim());
        return matcher.matches() && !matcher.group(1).equals("0".repeat(32)) ? matcher.group(1) : null;
    }

    /** Names what the current span's work is about ({@code hub.order.id}, {@code hub.task.id}), so that the console finds it by that id. */
    public static void tag(String key, String value) {
        if (live() && value != null) {
            Span.current().setAttribute(key, value);
        }
    }
}
