package io.integrationhub.hub.common;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value of every record on the event topics: {@code {"eventId","event","schemaVersion","occurredAt","data"}}.
 * {@code schemaVersion}: the version of the event type's schema its data follows ({@link EventSchemas});
 * absent for an event type without a schema, and in events written before versions existed (read as 1).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EventEnvelope(String eventId, String event,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Integer schemaVersion,
                            String occurredAt, JsonNode data) {

    /** An event before {@link EventSchemas#stamp} gives it its schema version. */
    public EventEnvelope(String eventId, String event, String occurredAt, JsonNode data) {
        this(eventId, event, null, occurredAt, data);
    }
}
