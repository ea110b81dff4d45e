package io.integrationhub.hub.queue.api;

/** Answer of {@code POST /api/tasks} (202): the id to ask the status with. */
public record TaskAccepted(String taskId) {
}
