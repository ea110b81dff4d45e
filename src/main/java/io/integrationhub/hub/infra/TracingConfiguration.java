package io.integrationhub.hub.infra;

import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.Spans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.telemetry.TraceProcessorsInterceptStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracing (docs/tracing.md): one trace per request or message, carried by W3C {@code traceparent}
 * across HTTP, Kafka, AMQP and NATS headers (Camel's camel-opentelemetry2), gRPC metadata
 * (OpenTelemetry's gRPC interceptors, found by camel-grpc as registry beans; {@link GrpcSpanDecorator}
 * continues the trace in the server route) and the outbox (the relay sends the row's {@code traceparent}).
 * <ul>
 *   <li>Spans go to the hub's own {@link SpanStore} (bean {@value #STORE}, read by {@code /observe/traces}),
 *   and to an OTLP collector when {@code hub.tracing.otlp-endpoint} is set.</li>
 *   <li>Sampling: {@code hub.tracing.sampling-ratio} of the traces that start here, of those that
 *   start with an HTTP read (GET, HEAD, OPTIONS) {@code hub.tracing.read-sampling-ratio}, of those that
 *   start with a broker message without trace context {@code hub.tracing.message-sampling-ratio}
 *   ({@link RootSampler}); a trace that arrives with a {@code traceparent} keeps its decision.</li>
 *   <li>Timer routes (outbox relay, purges, saga recovery) start no trace: a poll that finds nothing
 *   leaves nothing behind; a relayed outbox row continues the trace of the write that made it.</li>
 *   <li>The trace id is in every log line of the work ({@link TraceIdContextData}, key {@code CAMEL_TRACE_ID}).</li>
 * </ul>
 * The SDK is the hub's own, not {@code GlobalOpenTelemetry}: two hubs in one JVM (the tests) keep their
 * traces apart, and an agent on the JVM does not change what the hub records.
 */
public final class TracingConfiguration implements CamelConfiguration {

    /** Registry name of the hub's {@link SpanStore}. */
    public static final String STORE = "hubSpanStore";

    private static final Logger LOG = LoggerFactory.getLogger(TracingConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        if (!HubSettings.bool(context, "hub.tracing.enabled")) {
            LOG.info("Tracing off (hub.tracing.enabled=false)");
            return;
        }
        double ratio = ratio("hub.tracing.sampling-ratio", HubSettings.required(context, "hub.tracing.sampling-ratio"));
        double readRatio = ratio("hub.tracing.read-sampling-ratio", HubSettings.required(context, "hub.tracing.read-sampling-ratio"));
        double messageRatio = ratio("hub.tracing.message-sampling-ratio",
                HubSettings.required(context, "hub.tracing.message-sampling-ratio"));
        SpanStore store = new SpanStore(HubSettings.positiveInt(context, "hub.tracing.max-spans"));
        String otlp = HubSettings.optional(context, "hub.tracing.otlp-endpoint").filter(v -> !v.isEmpty()).orElse(null);

        SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), context.getName()))))
                .setSampler(Sampler.parentBased(new RootSampler(ratio, readRatio, messageRatio)))
                // what a span may hold, so that the store's memory is bounded by its span count
                .setSpanLimits(SpanLimits.builder().setMaxNumberOfAttributes(SpanStore.MAX_ATTRIBUTES)
                        .setMaxAttributeValueLength(SpanStore.MAX_VALUE_CHARS).setMaxNumberOfEvents(8).build())
                // the store is memory only: exporting at span end costs a synchronized list add
                .addSpanProcessor(SimpleSpanProcessor.create(store));
        if (otlp != null) {
            HubSettings.httpUrl(context, "hub.tracing.otlp-endpoint");
            provider.addSpanProcessor(BatchSpanProcessor.builder(
                    OtlpHttpSpanExporter.builder().setEndpoint(otlp).build()).build());
        }
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider.build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                // after the routes: spans of the last exchanges still reach the store and the collector
                sdk.close();
            }
        }, true, true);

        // camel-opentelemetry2 finds its tracer and propagators in the registry
        context.getRegistry().bind(STORE, store);
        Tracer otelTracer = sdk.getTracer("integration-hub");
        context.getRegistry().bind("hubOtelTracer", Tracer.class, otelTracer);
        Spans.use(otelTracer);
        context.getRegistry().bind("hubOtelPropagators", ContextPropagators.class, sdk.getPropagators());
        GrpcTelemetry grpc = GrpcTelemetry.create(sdk);
        context.getRegistry().bind("hubGrpcTracingClient", ClientInterceptor.class, grpc.newClientInterceptor());
        context.getRegistry().bind("hubGrpcTracingServer", ServerInterceptor.class, grpc.newServerInterceptor());

        OpenTelemetryTracer tracer = new HubTracer(HubSettings.optional(context, "hub.tracing.inner-hops").orElse(""));
        tracer.setExcludePatterns(HubSettings.required(context, "hub.tracing.exclude"));
        // the trace id as exchange header CAMEL_TRACE_ID: for problem answers
        tracer.setTraceHeadersInclusion(true);
        tracer.init(context);
        // camel-telemetry 4.17's event notifier acts on the sending and sent events only, yet asks for every
        // exchange event, so Camel makes and hands it a created, async-started, completed and step event
        // around each exchange and step for nothing (the async-started one was the top frame of the
        // profiles under load). It is told to ignore those; its spans are the same.
        for (EventNotifier notifier : context.getManagementStrategy().getEventNotifiers()) {
            if (notifier instanceof EventNotifierSupport support
                    && support.getClass().getEnclosingClass() == org.apache.camel.telemetry.Tracer.class) {
                support.setIgnoreExchangeCreatedEvent(true);
                support.setIgnoreExchangeCompletedEvent(true);
                support.setIgnoreExchangeFailedEvents(true);
                support.setIgnoreExchangeRedeliveryEvents(true);
                support.setIgnoreExchangeAsyncProcessingStartedEvents(true);
                support.setIgnoreStepEvents(true);
                support.setIgnoreServiceEvents(true);
            }
        }
        // camel-telemetry 4.17 adds its processor-span interceptor whether or not processor spans are
        // on (traceProcessors=false here, its default): it wraps every processor of every route in a
        // synchronous Processor, so each async step (http, direct:, the breaker) is waited for through
        // Camel's await manager. Without processor spans it records nothing: removed before the routes
        // are built, so the routes run as they do with tracing off. (Camel's main branch adds it only
        // when traceProcessors is on.) Measured: it did not change tracing's CPU cost much
        // (docs/benchmarks-tracing.md); it makes no span and only got in the way.
        context.getCamelContextExtension().getInterceptStrategies()
                .removeIf(TraceProcessorsInterceptStrategy.class::isInstance);

        LOG.info("Tracing on: sampling {} of new traces ({} of those of HTTP reads), {} spans kept in memory{}", ratio, readRatio,
                HubSettings.required(context, "hub.tracing.max-spans"), otlp == null ? "" : ", exported to " + otlp);
    }

    private static double ratio(String key, String value) {
        try {
            double ratio = Double.parseDouble(value);
            if (ratio >= 0 && ratio <= 1) {
                return ratio;
            }
        } catch (NumberFormatException e) {
            // reported below with the key's name
        }
        throw new IllegalArgumentException("Invalid setting " + key + "='" + value
                + "': expected a number from 0 to 1");
    }
}
