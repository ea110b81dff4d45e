package io.integrationhub.hub.infra;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.apache.camel.component.kafka.serde.DefaultKafkaHeaderDeserializer;

/**
 * Kafka record headers as camel-kafka gives them (bytes), except the W3C trace headers, given as text.
 * camel-telemetry 4.17 reads a trace's context only from String headers, so a consumer of a record
 * whose {@code traceparent} arrived as bytes started a trace of its own instead of continuing the
 * producer's. Set as {@code camel.component.kafka.headerDeserializer}.
 */
public final class TraceHeaderDeserializer extends DefaultKafkaHeaderDeserializer {

    private static final Set<String> TEXT = Set.of("traceparent", "tracestate", "baggage");

    @Override
    public Object deserialize(String key, byte[] value) {
        if (value != null && TEXT.contains(key)) {
            return new String(value, StandardCharsets.US_ASCII);
        }
        return super.deserialize(key, value);
    }
}
