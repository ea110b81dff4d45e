package io.integrationhub.hub.eventlog.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Answer of {@code POST /admin/replay/{topic}} (202): the state derived from the topic was cleared
 * and the consumer groups that derive it are rebuilding it from offset 0.
 * With {@code ?from=}: rewound to that time, nothing cleared. A dry run answers 200 with status DRY_RUN and
 * changes nothing. {@code recordsByPartition}: records read again per partition.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayStarted(String topic, List<String> consumerGroups, String status, String from,
                            Map<Integer, Long> recordsByPartition) {
}
