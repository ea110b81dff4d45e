package io.integrationhub.hub.common;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Spans for work that is not a Camel endpoint (a SQL transaction, a WebSocket broadcast), as children
 * of the span current on this thread. Work with no live current span (a timer's poll) gets none: it
 * starts no trace. The tracer is the one {@code TracingConfiguration} sets; a no-op one until then and with
 * tracing off. One per JVM: with two hubs in one JVM (tests only) these spans go to the last started.
 */
public final class Spans {

    private static volatile Tracer tracer = OpenTelemetry.noop().getTracer("integration-hub");

    private Spans() {
    }

    public static void use(Tracer hubTracer) {
        tracer = hubTracer;
    }

    /** A started child of the current span, or the invalid (no-op) span when nothing is being traced. */
    public static Span child(String name, SpanKind kind) {
        if (!TraceIds.live()) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name).setParent(Context.current()).setSpanKind(kind).startSpan();
    }

    /**
     * A started span in the trace of {@code traceparent} (a message's, not this thread's), or the invalid
     * span when there is none or tracing is off. For work done for many messages at once (a batch).
     */
    public static Span continuing(String traceparent, String name, String destination) {
        if (traceparent == null) {
            return Span.getInvalid();
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent,
                new TextMapGetter<>() {
                    @Override
                    public Iterable<String> keys(String carrier) {
                        return java.util.List.of(TraceIds.TRACEPARENT);
                    }

                    @Override
                    public String get(String carrier, String key) {
                        return TraceIds.TRACEPARENT.equals(key) ? carrier : null;
                    }
                });
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return Span.getInvalid();
        }
        var builder = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.CONSUMER);
        if (destination != null) {
            builder.setAttribute("messaging.destination.name", destination);
        }
        return builder.startSpan();
    }
}
