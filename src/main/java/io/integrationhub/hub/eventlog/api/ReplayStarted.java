package io.integrationhub.hub.eventlog.api;

/** Answer of {@code POST /admin/replay/{topic}} (202): the derived state was cleared and is being rebuilt from offset 0. */
public record ReplayStarted(String topic, String consumerGroup, String status) {
}
