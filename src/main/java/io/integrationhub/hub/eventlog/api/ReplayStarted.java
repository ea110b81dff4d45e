package io.integrationhub.hub.eventlog.api;

import java.util.List;

/**
 * Answer of {@code POST /admin/replay/{topic}} (202): the state derived from the topic was cleared
 * and the consumer groups that derive it are rebuilding it from offset 0.
 */
public record ReplayStarted(String topic, List<String> consumerGroups, String status) {
}
