package io.integrationhub.hub.infra;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.opentelemetry2.OpenTelemetrySpanAdapter;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.support.EndpointHelper;
import org.apache.camel.telemetry.Op;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.SpanDecoratorManagerImpl;
import org.apache.camel.telemetry.SpanStorageManagerExchange;

/**
 * Camel's OpenTelemetry tracer with three changes, all about cost (docs/tracing.md, "What it costs"):
 * <ul>
 *   <li>Its exclusion check is remembered per endpoint URI. camel-telemetry 4.17 checks
 *   {@code hub.tracing.exclude} at the start and end of every span, and Camel's endpoint matcher
 *   compiles a regular expression each time a URI does not match the wildcard: profiled under
 *   point-to-point load, that was the largest single cost of tracing. The answers for at most
 *   {@value #MAX_REMEMBERED} URIs are kept (dynamic endpoints may have endless URIs; past that they
 *   are checked each time, as before).</li>
 *   <li>In-process hops ({@code hub.tracing.inner-hops}, by default {@code direct:} and {@code bean:})
 *   add no span of their own to an exchange that already has one: a {@code direct:} hop costs two
 *   spans (the send and the receiving route), a bean one, and on point-to-point they were half of
 *   the spans of a request while saying nothing a user looks for (the route's own span, its HTTP call
 *   and the downstream's span stay). Where such an endpoint starts the work of an exchange that has
 *   no span yet (a saga's completion, sent on a new exchange with the order's {@code traceparent}),
 *   it still gets its span, so the trace and the log lines' trace id carry on. Camel's exclusion
 *   cannot say this (it is by URI only and drops the span in both cases), hence the override.</li>
 *   <li>Below the root span of a trace that is not sampled, no span is made: camel-telemetry 4.17
 *   makes every span of an unsampled trace (an OpenTelemetry non-recording span, with the decorator's
 *   tags, header extraction and injection) only for the SDK to drop it, so sampling saved the
 *   recording but not the instrumentation. The root stays (the trace id of the logs and of the
 *   problem answers), and what the exchange sends still carries its unsampled {@code traceparent}.</li>
 * </ul>
 * camel-telemetry nests the spans of an exchange and ends them in reverse order; a skipped begin is
 * counted on the exchange so that its end is skipped too, whatever else was begun in between.
 */
final class HubTracer extends OpenTelemetryTracer {

    static final int MAX_REMEMBERED = 1000;
    /** Exchange property: how many begun inner hops of this exchange made no span (their ends skip too). */
    static final String SKIPPED = "hub.tracing.skippedHops";

    private final Map<String, Boolean> excluded = new ConcurrentHashMap<>();
    private final Map<String, Boolean> inner = new ConcurrentHashMap<>();
    /** Reads the same exchange property camel-telemetry keeps its active span in. */
    private final SpanStorageManagerExchange spans = new SpanStorageManagerExchange();
    /** The same decorators camel-telemetry uses (its manager is private): for the injection of a skipped send. */
    private final SpanDecoratorManagerImpl decorators = new SpanDecoratorManagerImpl();
    private static final MethodHandle OTEL_SPAN = otelSpanGetter();
    private final String innerHopPatterns;

    HubTracer(String innerHopPatterns) {
        this.innerHopPatterns = innerHopPatterns == null ? "" : innerHopPatterns;
    }

    @Override
    public boolean exclude(String endpointUri, CamelContext context) {
        return endpointUri != null && remembered(excluded, endpointUri, () -> super.exclude(endpointUri, context));
    }

    @Override
    protected void beginEventSpan(Exchange exchange, Endpoint endpoint, Op op) throws Exception {
        Span parent = spans.peek(exchange);
        if (parent != null && !isSampled(parent)) {
            // a trace that is not recorded: its root span stays (its trace id is in the logs and answers),
            // nothing below it is made, but what this exchange sends still carries the trace (unsampled),
            // so the next hop does not start a trace of its own
            if (op == Op.EVENT_SENT) {
                getSpanLifecycleManager().inject(parent, decorators.get(endpoint).getInjector(exchange), isTraceHeadersInclusion());
            }
            skip(exchange);
            return;
        }
        if (parent != null && isInnerHop(endpoint)) {
            skip(exchange);
            return;
        }
        boolean read = parent == null && ReadWriteSampler.isRead(exchange.getIn().getHeader(Exchange.HTTP_METHOD));
        ReadWriteSampler.startingRead(read);
        try {
            super.beginEventSpan(exchange, endpoint, op);
        } finally {
            if (read) {
                ReadWriteSampler.startingRead(false);
            }
        }
    }

    @Override
    protected void endEventSpan(Exchange exchange, Endpoint endpoint) throws Exception {
        int skipped = exchange.getProperty(SKIPPED, 0, Integer.class);
        if (skipped > 0) {
            // the begins skipped were nested in this exchange's current span: an inner hop, or anything
            // under an unsampled root, whose own end comes last (when no skipped begin is left)
            Span current = spans.peek(exchange);
            if (isInnerHop(endpoint) || (current != null && !isSampled(current))) {
                exchange.setProperty(SKIPPED, skipped - 1);
                return;
            }
        }
        super.endEventSpan(exchange, endpoint);
    }

    private static void skip(Exchange exchange) {
        exchange.setProperty(SKIPPED, exchange.getProperty(SKIPPED, 0, Integer.class) + 1);
    }

    /**
     * Whether the span's trace is recorded. camel-opentelemetry2 4.17 keeps the OpenTelemetry span of its
     * adapter behind a protected getter; read through a private lookup (the jar is on the class path).
     */
    static boolean isSampled(Span span) {
        if (!(span instanceof OpenTelemetrySpanAdapter)) {
            return true;
        }
        try {
            return ((io.opentelemetry.api.trace.Span) OTEL_SPAN.invoke((OpenTelemetrySpanAdapter) span)).getSpanContext().isSampled();
        } catch (Throwable e) {
            return true; // as if sampled: camel-telemetry's own behaviour
        }
    }

    private boolean isInnerHop(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        return remembered(inner, uri, () -> Arrays.stream(innerHopPatterns.split(","))
                .anyMatch(p -> !p.isBlank() && EndpointHelper.matchEndpoint(endpoint.getCamelContext(), uri, p.trim())));
    }

    private static MethodHandle otelSpanGetter() {
        try {
            return MethodHandles.privateLookupIn(OpenTelemetrySpanAdapter.class, MethodHandles.lookup())
                    .findVirtual(OpenTelemetrySpanAdapter.class, "getSpan", MethodType.methodType(io.opentelemetry.api.trace.Span.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("camel-opentelemetry2 without OpenTelemetrySpanAdapter.getSpan()", e);
        }
    }

    /** The answer for {@code uri}, worked out once per URI (for at most {@value #MAX_REMEMBERED} URIs). */
    private static boolean remembered(Map<String, Boolean> answers, String uri, BooleanSupplier answer) {
        Boolean known = answers.get(uri);
        if (known != null) {
            return known;
        }
        boolean worked = answer.getAsBoolean();
        if (answers.size() < MAX_REMEMBERED) {
            answers.put(uri, worked);
        }
        return worked;
    }
}
