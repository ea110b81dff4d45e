package io.integrationhub.hub.infra;

import java.util.List;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The root sampling decision: HTTP reads and untraced broker messages at their own ratios, everything else at the write ratio. */
class RootSamplerTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @AfterEach
    void unmark() {
        RootSampler.starting(null);
    }

    @Test
    void shouldSampleReadsMessagesAndWritesAtTheirOwnRatios() {
        RootSampler sampler = new RootSampler(1.0, 0.0, 0.0);
        assertThat(decision(sampler, "/api/orders")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
        RootSampler.starting(RootSampler.Root.READ);
        assertThat(decision(sampler, "/api/orders/{orderId}")).isEqualTo(SamplingDecision.DROP);
        RootSampler.starting(RootSampler.Root.MESSAGE);
        assertThat(decision(sampler, "orders.created")).as("a message without trace context").isEqualTo(SamplingDecision.DROP);
        RootSampler.starting(null);
        assertThat(decision(sampler, "POST")).as("unmarked again: a write").isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);

        RootSampler readsOnly = new RootSampler(0.0, 1.0, 0.0);
        assertThat(decision(readsOnly, "POST")).isEqualTo(SamplingDecision.DROP);
        RootSampler.starting(RootSampler.Root.READ);
        assertThat(decision(readsOnly, "GET")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);

        RootSampler messagesOnly = new RootSampler(0.0, 0.0, 1.0);
        RootSampler.starting(RootSampler.Root.MESSAGE);
        assertThat(decision(messagesOnly, "user-events")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    }

    @Test
    void shouldTellReadsFromWritesByTheHttpMethod() {
        assertThat(List.of("GET", "HEAD", "OPTIONS")).allMatch(RootSampler::isRead);
        assertThat(List.of("POST", "PUT", "PATCH", "DELETE")).noneMatch(RootSampler::isRead);
        assertThat(RootSampler.isRead(null)).isFalse();
    }

    private static SamplingDecision decision(RootSampler sampler, String name) {
        return sampler.shouldSample(Context.root(), TRACE_ID, name, SpanKind.SERVER, Attributes.empty(), List.of()).getDecision();
    }
}
