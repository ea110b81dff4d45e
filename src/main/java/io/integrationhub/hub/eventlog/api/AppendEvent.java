package io.integrationhub.hub.eventlog.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Body of {@code POST /api/events/{topic}}: the entity id (record key), the event type and its data. */
public record AppendEvent(String key, String event, JsonNode data) {
}
