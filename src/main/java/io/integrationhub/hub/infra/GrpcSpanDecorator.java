package io.integrationhub.hub.infra;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import org.apache.camel.Exchange;
import org.apache.camel.telemetry.SpanContextPropagationExtractor;
import org.apache.camel.telemetry.decorators.AbstractSpanDecorator;

/**
 * camel-telemetry's span decorator for {@code grpc:}, which 4.17 does not have. camel-grpc copies no
 * gRPC metadata into the exchange, so the route of the gRPC server would start a trace of its own; here
 * its span continues the trace of the gRPC server span that OpenTelemetry's server interceptor
 * ({@link TracingConfiguration}) made current on the thread that runs the call. Found by Java's
 * ServiceLoader (META-INF/services/org.apache.camel.telemetry.SpanDecorator).
 */
public final class GrpcSpanDecorator extends AbstractSpanDecorator {

    @Override
    public String getComponent() {
        return "grpc";
    }

    @Override
    public String getComponentClassName() {
        return "org.apache.camel.component.grpc.GrpcComponent";
    }

    @Override
    public SpanContextPropagationExtractor getExtractor(Exchange exchange) {
        Map<String, Object> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        return new SpanContextPropagationExtractor() {
            @Override
            public Iterator<Map.Entry<String, Object>> iterator() {
                return carrier.entrySet().iterator();
            }

            @Override
            public Object get(String key) {
                return carrier.get(key);
            }

            @Override
            public Set<String> keys() {
                return carrier.keySet();
            }
        };
    }
}
