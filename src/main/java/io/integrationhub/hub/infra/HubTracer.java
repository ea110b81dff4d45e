package io.integrationhub.hub.infra;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.support.EndpointHelper;
import org.apache.camel.telemetry.Op;
import org.apache.camel.telemetry.SpanStorageManagerExchange;

/**
 * Camel's OpenTelemetry tracer with two changes, both about cost (docs/tracing.md, "What it costs"):
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
        if (isInnerHop(endpoint) && spans.peek(exchange) != null) {
            exchange.setProperty(SKIPPED, exchange.getProperty(SKIPPED, 0, Integer.class) + 1);
            return;
        }
        super.beginEventSpan(exchange, endpoint, op);
    }

    @Override
    protected void endEventSpan(Exchange exchange, Endpoint endpoint) throws Exception {
        if (isInnerHop(endpoint)) {
            int skipped = exchange.getProperty(SKIPPED, 0, Integer.class);
            if (skipped > 0) {
                exchange.setProperty(SKIPPED, skipped - 1);
                return;
            }
        }
        super.endEventSpan(exchange, endpoint);
    }

    private boolean isInnerHop(Endpoint endpoint) {
        String uri = endpoint.getEndpointUri();
        return remembered(inner, uri, () -> Arrays.stream(innerHopPatterns.split(","))
                .anyMatch(p -> !p.isBlank() && EndpointHelper.matchEndpoint(endpoint.getCamelContext(), uri, p.trim())));
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
