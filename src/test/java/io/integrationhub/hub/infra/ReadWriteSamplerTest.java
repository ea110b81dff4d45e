package io.integrationhub.hub.infra;

import java.util.List;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The root sampling decision: HTTP reads at their own ratio, everything else at the write ratio. */
class ReadWriteSamplerTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @AfterEach
    void unmark() {
        ReadWriteSampler.startingRead(false);
    }

    @Test
    void shouldSampleReadsAndWritesAtTheirOwnRatios() {
        ReadWriteSampler sampler = new ReadWriteSampler(1.0, 0.0);
        assertThat(decision(sampler, "/api/orders")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
        ReadWriteSampler.startingRead(true);
        assertThat(decision(sampler, "/api/orders/{orderId}")).isEqualTo(SamplingDecision.DROP);
        ReadWriteSampler.startingRead(false);
        assertThat(decision(sampler, "orders.created")).as("a message without trace context").isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);

        ReadWriteSampler readsOnly = new ReadWriteSampler(0.0, 1.0);
        assertThat(decision(readsOnly, "POST")).isEqualTo(SamplingDecision.DROP);
        ReadWriteSampler.startingRead(true);
        assertThat(decision(readsOnly, "GET")).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    }

    @Test
    void shouldTellReadsFromWritesByTheHttpMethod() {
        assertThat(List.of("GET", "HEAD", "OPTIONS")).allMatch(ReadWriteSampler::isRead);
        assertThat(List.of("POST", "PUT", "PATCH", "DELETE")).noneMatch(ReadWriteSampler::isRead);
        assertThat(ReadWriteSampler.isRead(null)).isFalse();
    }

    private static SamplingDecision decision(ReadWriteSampler sampler, String name) {
        return sampler.shouldSample(Context.root(), TRACE_ID, name, SpanKind.SERVER, Attributes.empty(), List.of()).getDecision();
    }
}
