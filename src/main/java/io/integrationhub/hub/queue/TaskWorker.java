package io.integrationhub.hub.queue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.queue.api.TaskMessage;
import org.apache.camel.Exchange;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;

/**
 * One processing attempt of a task taken from the queue: reads the message (a poison message is
 * refused at once), counts the attempt, does the work, records the outcome. Runs once per delivery
 * and once per redelivery of Camel's error handler, so {@code attempts} counts every try.
 */
public class TaskWorker {

    /** Exchange property with the id of the task being processed (kept for the dead-letter route). */
    public static final String TASK_ID = "hubTaskId";
    /** Exchange property with the type of the task being processed. */
    public static final String TASK_TYPE = "hubTaskType";

    /** Exchange property: the message was redriven from the dead letters. */
    static final String REDRIVEN = "hubTaskRedriven";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final TaskStore store;
    private final TaskHandlers handlers;
    private final String instanceId;

    public TaskWorker(TaskStore store, TaskHandlers handlers, String instanceId) {
        this.store = store;
        this.handlers = handlers;
        this.instanceId = instanceId;
    }

    /** Turns the AMQP body into a task; its id comes from the body or else from the AMQP message_id. */
    public void read(Exchange exchange) throws PoisonTaskException {
        String messageId = exchange.getIn().getHeader(SpringRabbitMQConstants.MESSAGE_ID, String.class);
        if (messageId != null) {
            exchange.setProperty(TASK_ID, messageId);
        }
        TaskMessage task;
        try {
            task = JSON.readValue(exchange.getIn().getBody(byte[].class), TaskMessage.class);
        } catch (Exception e) {
            throw new PoisonTaskException("message is not a task in JSON: " + e.getMessage(), e);
        }
        if (task == null || task.type() == null || task.type().isBlank()) {
            throw new PoisonTaskException("message has no task type");
        }
        if (task.taskId() == null || task.taskId().isBlank()) {
            if (messageId == null || messageId.isBlank()) {
                throw new PoisonTaskException("message has neither a taskId nor an AMQP message_id");
            }
            task = task.withTaskId(messageId);
        }
        if (task.payload() == null) {
            task = new TaskMessage(task.taskId(), task.type(), JSON.createObjectNode(), task.submittedAt());
        }
        exchange.setProperty(TASK_ID, task.taskId());
        exchange.setProperty(TASK_TYPE, task.type());
        if (DeadLetters.redriveCount(exchange.getIn().getHeader(DeadLetters.REDRIVE_COUNT)) > 0) {
            // sent back from the dead letters by an operator: the task is open again (unless it was done since)
            exchange.setProperty(REDRIVEN, true);
        }
        exchange.getIn().setBody(task);
    }

    /** Processes one attempt; a failure is recorded and rethrown for the error handler to retry or dead-letter. */
    public void attempt(Exchange exchange) throws Exception {
        TaskMessage task = exchange.getIn().getBody(TaskMessage.class);
        if (exchange.getProperty(REDRIVEN, false, Boolean.class)) {
            store.reopenDeadLettered(task.taskId());
        }
        if (!store.beginAttempt(task.taskId(), task.type(), workerName(exchange))) {
            return; // finished before (redelivery after a crash between commit and ack): only acknowledge
        }
        try {
            handlers.run(task);
        } catch (PoisonTaskException e) {
            throw e;
        } catch (Exception e) {
            store.markFailedAttempt(task.taskId(), e.getMessage());
            throw e;
        }
        store.markDone(task.taskId());
    }

    private String workerName(Exchange exchange) {
        Channel channel = exchange.getProperty(SpringRabbitMQConstants.CHANNEL, Channel.class);
        return channel == null ? instanceId : instanceId + "/channel-" + channel.getChannelNumber();
    }
}
