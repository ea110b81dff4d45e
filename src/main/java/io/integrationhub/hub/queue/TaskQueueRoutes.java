package io.integrationhub.hub.queue;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.queue.api.TaskAccepted;
import io.integrationhub.hub.queue.api.TaskMessage;
import io.integrationhub.hub.queue.api.TaskRequest;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.springframework.amqp.AmqpException;

/**
 * Message queue with competing consumers on RabbitMQ.
 * <pre>
 *  POST /api/tasks ─▶ queue-task-submit ─(persistent, confirmed)─▶ exchange hub.tasks ─▶ queue tasks
 *  queue tasks ─▶ queue-task-worker × hub.tasks.consumers ─(ack after the work)
 *                     └─ 3 attempts failed / poison ─▶ queue-task-dead-letter ─▶ tasks.dlq
 *  GET /api/tasks/{taskId} ─▶ queue-task-status (SQL)
 * </pre>
 */
public class TaskQueueRoutes extends RouteBuilder {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.tasks.max-body-bytes}}"));

        from("platform-http:/api/tasks?httpMethodRestrict=POST")
            .routeId("queue-task-submit")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            // the broker refused, is unreachable or did not confirm in time: nothing was queued or recorded
            .onException(AmqpException.class)
                .handled(true)
                .process(HttpProblemRouteConfiguration.problem(503, "Service Unavailable",
                        "the message broker is unavailable, nothing was queued; try again later"))
            .end()
            .process(JsonRequests.requireJson(maxBody))
            .bean(IdempotentRequests.BEAN, "claim")
            .to("json-validator:schema/task-request.json")
            .process(this::toTaskMessage)
            .removeHeaders("*", TaskWorker.TASK_ID)
            .setHeader(SpringRabbitMQConstants.MESSAGE_ID, exchangeProperty(TaskWorker.TASK_ID))
            .setHeader(SpringRabbitMQConstants.CONTENT_TYPE, constant("application/json"))
            // returns once the broker confirmed the persistent message, or throws
            .to(ExchangePattern.InOnly, "spring-rabbitmq:{{hub.tasks.exchange}}?routingKey={{hub.tasks.queue}}"
                    + "&confirm=enabled&confirmTimeout={{hub.tasks.confirm-timeout-ms}}")
            .bean("taskStore", "recordQueued(${exchangeProperty.hubTaskId}, ${exchangeProperty.hubTaskType})")
            .process(e -> accepted(e, e.getProperty(TaskWorker.TASK_ID, String.class)))
            .bean(IdempotentRequests.BEAN, "remember");

        from("platform-http:/api/tasks/{taskId}?httpMethodRestrict=GET")
            .routeId("queue-task-status")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                String taskId = e.getIn().getHeader("taskId", String.class);
                var view = e.getContext().getRegistry().lookupByNameAndType("taskStore", TaskStore.class).find(taskId)
                        .orElseThrow(() -> HttpProblemException.notFound("no task " + taskId));
                JsonResponses.answer(e, 200, view);
            });

        from("spring-rabbitmq:{{hub.tasks.exchange}}?queues={{hub.tasks.queue}}&autoDeclare=false"
                + "&concurrentConsumers={{hub.tasks.consumers}}&prefetchCount={{hub.tasks.prefetch}}"
                + "&acknowledgeMode=AUTO&maximumRetryAttempts=1&rejectAndDontRequeue=true"
                // a task is one-way work: never answer a reply-to a publisher may have set
                + "&disableReplyTo=true&exchangePattern=InOnly")
            .routeId("queue-task-worker")
            .routeConfigurationId(TaskDeadLetterConfiguration.ID)
            .bean("taskWorker", "read")
            .bean("taskWorker", "attempt");

        from("direct:queue-task-dead-letter")
            .routeId("queue-task-dead-letter")
            .bean("taskDeadLetters", "describe")
            .to(ExchangePattern.InOnly, "spring-rabbitmq:{{hub.tasks.dead-letter-exchange}}"
                    + "?routingKey={{hub.tasks.dead-letter-queue}}&confirm=enabled&confirmTimeout={{hub.tasks.confirm-timeout-ms}}")
            .bean("taskDeadLetters", "recorded");
    }

    private void toTaskMessage(Exchange exchange) throws Exception {
        TaskRequest request = JSON.readValue(exchange.getIn().getBody(byte[].class), TaskRequest.class);
        // with an Idempotency-Key, a retry after a failure past the broker's confirm queues the same task id
        // again, which the workers complete once
        String taskId = IdempotentRequests.stableId(exchange).orElseGet(() -> UUID.randomUUID().toString());
        TraceIds.tag("hub.task.id", taskId);
        TaskMessage message = new TaskMessage(taskId, request.type(), request.payload(), Instant.now().toString());
        exchange.setProperty(TaskWorker.TASK_ID, taskId);
        exchange.setProperty(TaskWorker.TASK_TYPE, request.type());
        exchange.getIn().setBody(JSON.writeValueAsBytes(message));
    }

    private static void accepted(Exchange exchange, String taskId) throws Exception {
        JsonResponses.answer(exchange, 202, new TaskAccepted(taskId));
        exchange.getMessage().setHeader("Location", "/api/tasks/" + taskId);
    }
}
