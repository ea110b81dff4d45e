package io.integrationhub.hub.infra;

import java.util.List;
import java.util.Set;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * The sampling decision for a trace that starts at the hub (used under OpenTelemetry's parent-based
 * sampler, so a trace that arrives with a {@code traceparent} keeps its decision): a trace started by
 * an HTTP read (GET, HEAD, OPTIONS) is recorded at the read ratio, every other (a write: POST, PUT,
 * PATCH, DELETE; a message from a broker without trace context; a gRPC call) at the write ratio.
 * Reads are the many cheap calls whose recording costs most in proportion (docs/tracing.md, "What it
 * costs"); writes are what a user looks up in the console (an order, a task, a user), so by default
 * they all are recorded.
 * <p>
 * The sampler sees a span's name only, and camel-telemetry names a REST DSL span by its path, a
 * platform-http one by its method: {@link HubTracer} says instead, around the start of a root span,
 * whether its exchange is an HTTP read ({@link #startingRead}).
 */
final class ReadWriteSampler implements Sampler {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    /** Set by the tracer while it starts the root span of an HTTP read on this thread. */
    private static final ThreadLocal<Boolean> READ_ROOT = new ThreadLocal<>();

    /** Whether an HTTP method is a read. */
    static boolean isRead(Object httpMethod) {
        return httpMethod != null && READS.contains(httpMethod.toString());
    }

    /** Marks (true) or unmarks (false) the span started next on this thread as the root of an HTTP read. */
    static void startingRead(boolean read) {
        if (read) {
            READ_ROOT.set(Boolean.TRUE);
        } else {
            READ_ROOT.remove();
        }
    }

    private final Sampler writes;
    private final Sampler reads;
    private final String description;

    ReadWriteSampler(double writeRatio, double readRatio) {
        this.writes = Sampler.traceIdRatioBased(writeRatio);
        this.reads = Sampler.traceIdRatioBased(readRatio);
        this.description = "ReadWriteSampler{writes=" + writes.getDescription() + ",reads=" + reads.getDescription() + "}";
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
            Attributes attributes, List<LinkData> parentLinks) {
        return (READ_ROOT.get() != null ? reads : writes).shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return description;
    }
}
