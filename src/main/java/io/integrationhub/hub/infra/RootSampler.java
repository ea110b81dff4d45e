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
 * sampler, so a trace that arrives with a {@code traceparent} keeps its decision), by what starts it:
 * <ul>
 *   <li>an HTTP read (GET, HEAD, OPTIONS): the read ratio;</li>
 *   <li>a broker message that carries no trace context (Kafka, RabbitMQ, NATS, from a producer that does
 *   not trace): the message ratio;</li>
 *   <li>anything else (a write: POST, PUT, PATCH, DELETE; a gRPC call): the write ratio.</li>
 * </ul>
 * Reads and untraced messages are the many cheap exchanges whose recording costs most in proportion
 * (docs/tracing.md, "What it costs"); writes are what a user looks up in the console (an order, a task,
 * a user), so by default they all are recorded, and so is every message the hub's own work sends, since
 * it carries the write's sampled {@code traceparent}.
 * <p>
 * The sampler sees a span's name only, and camel-telemetry names a REST DSL span by its path, a
 * platform-http one by its method: {@link HubTracer} says instead, around the start of a root span,
 * what starts it ({@link #starting}).
 */
final class RootSampler implements Sampler {

    /** What starts a trace, when it is not a write. */
    enum Root { READ, MESSAGE }

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    /** Set by the tracer while it starts the root span of a read or a message on this thread. */
    private static final ThreadLocal<Root> STARTING = new ThreadLocal<>();

    /** Whether an HTTP method is a read. */
    static boolean isRead(Object httpMethod) {
        return httpMethod != null && READS.contains(httpMethod.toString());
    }

    /** Marks the span started next on this thread as the root of a read or a message; null unmarks. */
    static void starting(Root root) {
        if (root != null) {
            STARTING.set(root);
        } else {
            STARTING.remove();
        }
    }

    private final Sampler writes;
    private final Sampler reads;
    private final Sampler messages;
    private final String description;

    RootSampler(double writeRatio, double readRatio, double messageRatio) {
        this.writes = Sampler.traceIdRatioBased(writeRatio);
        this.reads = Sampler.traceIdRatioBased(readRatio);
        this.messages = Sampler.traceIdRatioBased(messageRatio);
        this.description = "RootSampler{writes=" + writes.getDescription() + ",reads=" + reads.getDescription()
                + ",messages=" + messages.getDescription() + "}";
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
            Attributes attributes, List<LinkData> parentLinks) {
        Root root = STARTING.get();
        Sampler sampler = root == Root.READ ? reads : root == Root.MESSAGE ? messages : writes;
        return sampler.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return description;
    }
}
