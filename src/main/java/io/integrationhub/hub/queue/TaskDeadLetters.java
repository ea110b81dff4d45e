package io.integrationhub.hub.queue;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.queue.api.TaskMessage;
import org.apache.camel.Exchange;

/**
 * Prepares a task for the dead-letter queue (why it failed, how often it was tried, when and where,
 * as AMQP headers beside the original body) and records it as DEAD_LETTERED once the broker has it.
 */
public class TaskDeadLetters {

    public static final String REASON = "x-failure-reason";
    public static final String EXCEPTION = "x-failure-exception";
    public static final String ATTEMPTS = "x-attempts";
    public static final String TASK_ID = "x-task-id";
    public static final String FAILED_AT = "x-failed-at";
    public static final String FAILED_ROUTE = "x-failed-route";
    /** This dead-lettering's own id, by which recovery names the message (a task may be dead-lettered again). */
    public static final String LETTER_ID = "x-dead-letter-id";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final TaskStore store;
    private final String instanceId;

    public TaskDeadLetters(TaskStore store, String instanceId) {
        this.store = store;
        this.instanceId = instanceId;
    }

    public void describe(Exchange exchange) throws Exception {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String taskId = exchange.getProperty(TaskWorker.TASK_ID, String.class);
        var msg = exchange.getIn();
        if (msg.getBody() instanceof TaskMessage task) {
            // only when the original message was not restored: the queue holds bytes, so do the dead letters
            msg.setBody(JSON.writeValueAsBytes(task));
        }
        msg.setHeader(REASON, cause == null ? "unknown" : String.valueOf(cause.getMessage()));
        msg.setHeader(EXCEPTION, cause == null ? "unknown" : cause.getClass().getName());
        msg.setHeader(FAILED_AT, Instant.now().toString());
        msg.setHeader(FAILED_ROUTE, exchange.getFromRouteId());
        msg.setHeader(LETTER_ID, UUID.randomUUID().toString());
        msg.setHeader("x-failed-by", instanceId);
        if (taskId != null) {
            msg.setHeader(TASK_ID, taskId);
            store.find(taskId).ifPresent(t -> msg.setHeader(ATTEMPTS, t.attempts()));
        }
    }

    public void recorded(Exchange exchange) throws Exception {
        String taskId = exchange.getProperty(TaskWorker.TASK_ID, String.class);
        if (taskId != null) {
            store.markDeadLettered(taskId, exchange.getProperty(TaskWorker.TASK_TYPE, String.class),
                    exchange.getIn().getHeader(REASON, String.class));
        }
        MessagingMetrics.deadLettered(exchange, exchange.getContext().resolvePropertyPlaceholders("{{hub.tasks.dead-letter-queue}}"));
    }
}
