package io.integrationhub.hub.queue.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Body of {@code POST /api/tasks}: what to do and its arguments. */
public record TaskRequest(String type, JsonNode payload) {
}
