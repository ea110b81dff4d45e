package io.integrationhub.hub.queue;

import java.io.IOException;
import java.sql.SQLException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.queue.api.TaskMessage;
import io.opentelemetry.context.Context;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One processing attempt of a task taken from the queue: reads the message (a poison message is
 * refused at once), counts the attempt, does the work, records the outcome. Runs once per delivery
 * and once per redelivery of Camel's error handler, so {@code attempts} counts every try. The status
 * writes of all workers share commits ({@link TaskStore#group()}); the consumer's thread only reads the
 * message, so each consumer keeps up to its prefetch of messages in flight.
 */
public class TaskWorker extends AsyncProcessorSupport {

    /** Exchange property with the id of the task being processed (kept for the dead-letter route). */
    public static final String TASK_ID = "hubTaskId";
    /** Exchange property with the type of the task being processed. */
    public static final String TASK_TYPE = "hubTaskType";

    /** Exchange property: the message was redriven from the dead letters. */
    static final String REDRIVEN = "hubTaskRedriven";

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Logger LOG = LoggerFactory.getLogger(TaskWorker.class);

    private final TaskStore store;
    private final TaskHandlers handlers;
    private final String instanceId;
    private final Executor workers;

    /** A worker whose tasks run on the common pool (unit tests). */
    public TaskWorker(TaskStore store, TaskHandlers handlers, String instanceId) {
        this(store, handlers, instanceId, ForkJoinPool.commonPool());
    }

    /** A worker whose tasks run on {@code workers}, a pool as large as the tasks may run at once. */
    public TaskWorker(TaskStore store, TaskHandlers handlers, String instanceId, Executor workers) {
        this.store = store;
        this.handlers = handlers;
        this.instanceId = instanceId;
        this.workers = workers;
    }

    /**
     * The consumer acknowledges manually (its thread moves on while the attempt waits for its commit):
     * the message is acked when its exchange completed — processed, or dead-lettered by the error
     * handler — and rejected without requeue when it failed, which the queue dead-letters to the
     * dead-letter queue (as the listener container did with {@code rejectAndDontRequeue}). A message
     * whose ack is lost (the channel closed) is redelivered and then only acknowledged, being DONE.
     */
    public static void acknowledgeWhenDone(Exchange exchange) {
        Channel channel = exchange.getProperty(SpringRabbitMQConstants.CHANNEL, Channel.class);
        Long tag = exchange.getIn().getHeader(SpringRabbitMQConstants.DELIVERY_TAG, Long.class);
        if (channel == null || tag == null) {
            return; // not from RabbitMQ (a unit test's direct: endpoint)
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onComplete(Exchange done) {
                settle(channel, tag, true);
            }

            @Override
            public void onFailure(Exchange failed) {
                settle(channel, tag, false);
            }
        });
    }

    private static void settle(Channel channel, long tag, boolean ack) {
        try {
            if (ack) {
                channel.basicAck(tag, false);
            } else {
                channel.basicReject(tag, false);
            }
        } catch (IOException | RuntimeException e) {
            // the channel closed (broker gone, hub stopping): RabbitMQ delivers the message again
            LOG.warn("Could not {} task delivery {}: {}", ack ? "ack" : "reject", tag, e.toString());
        }
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

    /**
     * One attempt, without holding the consumer's thread: the attempt is counted in the next group
     * commit, the task runs on the workers' pool, its DONE goes into a later group commit, and only then
     * does the exchange complete (and the message get its ack). A failure is recorded and rethrown for
     * the error handler to retry (this whole step again, so each try is counted) or dead-letter.
     */
    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        TaskMessage task = exchange.getIn().getBody(TaskMessage.class);
        // the exchange's trace id: also there when the trace is not recorded (a message without a traceparent,
        // sampled at hub.tracing.message-sampling-ratio), so that the task's status still names it
        String traceId = TraceIds.of(exchange) != null ? TraceIds.of(exchange) : TraceIds.current();
        Context trace = Context.current();
        try {
            if (exchange.getProperty(REDRIVEN, false, Boolean.class)) {
                store.reopenDeadLettered(task.taskId());
            }
        } catch (SQLException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        String worker = workerName(exchange);
        store.group().submit(c -> TaskStore.beginAttempt(c, task.taskId(), task.type(), worker, traceId))
                .whenCompleteAsync((counted, failure) -> {
                    if (failure != null) {
                        fail(exchange, callback, failure);
                    } else if (!counted) {
                        // finished before (redelivery after a crash between commit and ack): only acknowledge
                        callback.done(false);
                    } else {
                        run(exchange, callback, task);
                    }
                }, trace.wrap(workers));
        return false;
    }

    private void run(Exchange exchange, AsyncCallback callback, TaskMessage task) {
        try {
            handlers.run(task);
        } catch (PoisonTaskException e) {
            fail(exchange, callback, e);
            return;
        } catch (Exception e) {
            try {
                store.markFailedAttempt(task.taskId(), e.getMessage());
            } catch (SQLException recording) {
                e.addSuppressed(recording);
            }
            fail(exchange, callback, e);
            return;
        }
        store.group().submit(c -> TaskStore.markDone(c, task.taskId())).whenComplete((done, failure) -> {
            if (failure != null) {
                fail(exchange, callback, failure);
            } else {
                callback.done(false);
            }
        });
    }

    private static void fail(Exchange exchange, AsyncCallback callback, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        exchange.setException(cause);
        callback.done(false);
    }

    private String workerName(Exchange exchange) {
        Channel channel = exchange.getProperty(SpringRabbitMQConstants.CHANNEL, Channel.class);
        return channel == null ? instanceId : instanceId + "/channel-" + channel.getChannelNumber();
    }
}
