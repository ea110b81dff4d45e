package io.integrationhub.hub.eventlog.api;

/** Answer of {@code POST /api/events/{topic}} (201): where Kafka stored the event. */
public record EventAppended(String eventId, String topic, int partition, long offset) {
}
