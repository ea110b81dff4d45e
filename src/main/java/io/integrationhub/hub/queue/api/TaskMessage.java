package io.integrationhub.hub.queue.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

/** The message on queue {@code tasks}; any AMQP client may publish one (taskId may then come from message_id). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TaskMessage(String taskId, String type, JsonNode payload, String submittedAt) {

    public TaskMessage withTaskId(String id) {
        return new TaskMessage(id, type, payload, submittedAt);
    }
}
