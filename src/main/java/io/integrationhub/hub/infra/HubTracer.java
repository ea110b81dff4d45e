package io.integrationhub.hub.infra;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import io.integrationhub.hub.common.TraceIds;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.opentelemetry2.OpenTelemetrySpanAdapter;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.support.EndpointHelper;
import org.apache.camel.telemetry.Op;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.SpanContextPropagationExtractor;
import org.apache.camel.telemetry.SpanDecorator;
import org.apache.camel.telemetry.SpanDecoratorManagerImpl;
import org.apache.camel.telemetry.SpanStorageManagerExchange;
import org.apache.camel.telemetry.TagConstants;
import org.apache.camel.telemetry.decorators.AbstractSpanDecorator;

/**
 * Camel's OpenTelemetry tracer with four changes, all about cost (docs/tracing.md, "What it costs"):
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
 *   <li>The root span itself reads the caller's context from the headers the propagators ask for, not
 *   from a sorted copy of them all, and is tagged only when it is recorded ({@code beginRootSpan}).</li>
 * </ul>
 * camel-telemetry nests the spans of an exchange and ends them in reverse order; a skipped begin is
 * counted on the exchange so that its end is skipped too, whatever else was begun in between.
 */
final class HubTracer extends OpenTelemetryTracer {

    static final int MAX_REMEMBERED = 1000;
    /** Schemes of the consumers whose exchanges are broker messages. */
    private static final Set<String> BROKERS = Set.of("kafka", "spring-rabbitmq", "nats", GroupedNatsComponent.SCHEME);
    /** Exchange property: how many begun inner hops of this exchange made no span (their ends skip too). */
    static final String SKIPPED = "hub.tracing.skippedHops";

    private final Map<String, Boolean> excluded = new ConcurrentHashMap<>();
    /** What each endpoint's spans need, worked out once per URI: one lookup per begin or end. */
    private final Map<String, EndpointFacts> facts = new ConcurrentHashMap<>();
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
        if (parent == null) {
            beginRootSpan(exchange, endpoint, op);
            return;
        }
        EndpointFacts about = facts(endpoint);
        if (about.innerHop()) {
            // the same exchange goes on in this process and keeps its span: nothing to make or to carry,
            // but the trace id, should the route have dropped its headers (point-to-point drops them all
            // before its call; an open breaker then answers before anything is sent that would carry it)
            keepTraceId(exchange, parent);
            skip(exchange);
            return;
        }
        if (!isSampled(parent)) {
            // a trace that is not recorded: its root span stays (its trace id is in the logs and answers),
            // nothing below it is made, but what this exchange sends out still carries the trace (unsampled),
            // so the next hop does not start a trace of its own
            if (op == Op.EVENT_SENT) {
                getSpanLifecycleManager().inject(parent, about.decorator().getInjector(exchange), isTraceHeadersInclusion());
            }
            skip(exchange);
            return;
        }
        super.beginEventSpan(exchange, endpoint, op);
    }

    /**
     * The first span of an exchange: camel-telemetry's own steps (create, tag, activate, keep, inject),
     * with two differences that matter on every request, sampled or not: the caller's context is read
     * straight from the two or three headers W3C propagation asks for ({@link HeaderExtractor}) instead of
     * a sorted copy of all headers, and a span the sampler did not record gets no tags (the decorator's
     * work of reading the URL, method and so on, only for a span that keeps nothing).
     */
    private void beginRootSpan(Exchange exchange, Endpoint endpoint, Op op) {
        EndpointFacts about = facts(endpoint);
        SpanDecorator decorator = about.decorator();
        RootSampler.Root root = RootSampler.isRead(exchange.getIn().getHeader(Exchange.HTTP_METHOD)) ? RootSampler.Root.READ
                : op == Op.EVENT_RECEIVED && isBroker(endpoint) ? RootSampler.Root.MESSAGE : null;
        RootSampler.starting(root);
        Span span;
        try {
            span = getSpanLifecycleManager().create(decorator.getOperationName(exchange, endpoint), null,
                    about.readsCamelHeaders() ? new HeaderExtractor(exchange) : decorator.getExtractor(exchange));
        } finally {
            if (root != null) {
                RootSampler.starting(null);
            }
        }
        if (isSampled(span)) {
            span.setTag(TagConstants.OP, op.toString());
            decorator.beforeTracingEvent(span, exchange, endpoint);
        }
        getSpanLifecycleManager().activate(span);
        spans.push(exchange, span);
        getSpanLifecycleManager().inject(span, decorator.getInjector(exchange), isTraceHeadersInclusion());
    }

    @Override
    protected void endEventSpan(Exchange exchange, Endpoint endpoint) throws Exception {
        int skipped = exchange.getProperty(SKIPPED, 0, Integer.class);
        if (skipped > 0) {
            // the begins skipped were nested in this exchange's current span: an inner hop, or anything
            // under an unsampled root, whose own end comes last (when no skipped begin is left)
            Span current = spans.peek(exchange);
            if (facts(endpoint).innerHop() || (current != null && !isSampled(current))) {
                exchange.setProperty(SKIPPED, skipped - 1);
                return;
            }
        }
        Span current = spans.peek(exchange);
        if (current != null && !isSampled(current)) {
            // the root of a trace that is not recorded (nothing was made below it): ended as camel-telemetry
            // ends a span, without the decorator's tags
            Span root = spans.pull(exchange);
            getSpanLifecycleManager().deactivate(root);
            getSpanLifecycleManager().close(root);
            return;
        }
        super.endEventSpan(exchange, endpoint);
    }

    /** Puts the trace id back as the exchange's {@code CAMEL_TRACE_ID} header (problem answers name it) if it is gone. */
    private void keepTraceId(Exchange exchange, Span span) {
        if (isTraceHeadersInclusion() && exchange.getMessage().getHeader(TraceIds.EXCHANGE_HEADER) == null) {
            io.opentelemetry.api.trace.Span otel = otelSpan(span);
            if (otel != null) {
                exchange.getMessage().setHeader(TraceIds.EXCHANGE_HEADER, otel.getSpanContext().getTraceId());
            }
        }
    }

    /** Whether a route's consumer endpoint takes messages from a broker (for {@link RootSampler.Root#MESSAGE}). */
    private static boolean isBroker(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        int colon = uri.indexOf(':');
        return colon > 0 && BROKERS.contains(uri.substring(0, colon));
    }

    private static void skip(Exchange exchange) {
        exchange.setProperty(SKIPPED, exchange.getProperty(SKIPPED, 0, Integer.class) + 1);
    }

    /**
     * Whether the span's trace is recorded. camel-opentelemetry2 4.17 keeps the OpenTelemetry span of its
     * adapter behind a protected getter; read through a private lookup (the jar is on the class path).
     */
    static boolean isSampled(Span span) {
        io.opentelemetry.api.trace.Span otel = otelSpan(span);
        // without one: as if sampled, camel-telemetry's own behaviour
        return otel == null || otel.getSpanContext().isSampled();
    }

    /** The OpenTelemetry span behind camel-telemetry's, or null when there is none. */
    private static io.opentelemetry.api.trace.Span otelSpan(Span span) {
        if (!(span instanceof OpenTelemetrySpanAdapter adapter)) {
            return null;
        }
        try {
            return (io.opentelemetry.api.trace.Span) OTEL_SPAN.invoke(adapter);
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * What the spans of an endpoint need: camel-telemetry's decorator (its manager parses the URI each
     * time), whether it is an in-process hop, whether the decorator reads the incoming context from the
     * exchange's headers. Worked out once per URI (for at most {@value #MAX_REMEMBERED} URIs).
     */
    private EndpointFacts facts(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        EndpointFacts known = facts.get(uri);
        if (known != null) {
            return known;
        }
        SpanDecorator decorator = decorators.get(endpoint);
        EndpointFacts found = new EndpointFacts(decorator, isInnerHop(endpoint, uri), readsCamelHeaders(decorator));
        if (facts.size() < MAX_REMEMBERED) {
            facts.put(uri, found);
        }
        return found;
    }

    private record EndpointFacts(SpanDecorator decorator, boolean innerHop, boolean readsCamelHeaders) {
    }

    /**
     * Whether the decorator takes the incoming context from the exchange's headers, as camel-telemetry's
     * decorators do unless they say otherwise (the gRPC one reads the call's context instead).
     */
    private static boolean readsCamelHeaders(SpanDecorator decorator) {
        try {
            return decorator.getClass().getMethod("getExtractor", Exchange.class).getDeclaringClass() == AbstractSpanDecorator.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * The incoming context of an exchange, read from its headers as the propagators ask for them
     * ({@code traceparent}, {@code tracestate}, {@code baggage}; Camel's headers are case-insensitive).
     * camel-telemetry's extractor copies every header into a sorted map first, for each root span.
     */
    static final class HeaderExtractor implements SpanContextPropagationExtractor {
        private final Exchange exchange;

        HeaderExtractor(Exchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public Object get(String key) {
            return exchange.getIn().getHeader(key);
        }

        @Override
        public Set<String> keys() {
            return exchange.getIn().getHeaders().keySet();
        }

        @Override
        public Iterator<Map.Entry<String, Object>> iterator() {
            return exchange.getIn().getHeaders().entrySet().iterator();
        }
    }

    private boolean isInnerHop(Endpoint endpoint, String uri) {
        return Arrays.stream(innerHopPatterns.split(","))
                .anyMatch(p -> !p.isBlank() && EndpointHelper.matchEndpoint(endpoint.getCamelContext(), uri, p.trim()));
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
