package io.integrationhub.hub.queue.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Answer of {@code GET /api/tasks/{taskId}}; {@code traceId}: the trace of its submission, when it was traced. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskView(String taskId, String type, TaskStatus status, int attempts, String processedBy,
                       String lastError, String createdAt, String updatedAt, String traceId) {
}
