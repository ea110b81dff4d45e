package io.integrationhub.hub.common;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/** The value of every record on the event topics: {@code {"eventId","event","occurredAt","data"}}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EventEnvelope(String eventId, String event, String occurredAt, JsonNode data) {
}
