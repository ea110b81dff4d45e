package io.integrationhub.hub.infra;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.CamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;

/**
 * Camel's OpenTelemetry tracer with its exclusion check remembered per endpoint URI. camel-telemetry
 * 4.17 checks {@code hub.tracing.exclude} at the start and end of every span, and Camel's endpoint
 * matcher compiles a regular expression each time a URI does not match the wildcard: profiled under
 * point-to-point load, that was the largest single cost of tracing. The answers for at most
 * {@value #MAX_REMEMBERED} URIs are kept (dynamic endpoints may have endless URIs; past that they
 * are checked each time, as before).
 */
final class HubTracer extends OpenTelemetryTracer {

    static final int MAX_REMEMBERED = 1000;

    private final Map<String, Boolean> excluded = new ConcurrentHashMap<>();

    @Override
    public boolean exclude(String endpointUri, CamelContext context) {
        if (endpointUri == null) {
            return false;
        }
        Boolean known = excluded.get(endpointUri);
        if (known != null) {
            return known;
        }
        boolean answer = super.exclude(endpointUri, context);
        if (excluded.size() < MAX_REMEMBERED) {
            excluded.put(endpointUri, answer);
        }
        return answer;
    }
}
