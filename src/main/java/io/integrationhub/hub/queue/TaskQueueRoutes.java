package io.integrationhub.hub.queue;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Headers;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.queue.api.TaskAccepted;
import io.integrationhub.hub.queue.api.TaskMessage;
import io.integrationhub.hub.queue.api.TaskRequest;
import io.integrationhub.hub.queue.api.TaskView;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
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

    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.tasks.max-body-bytes}}"));

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/tasks").tag("message queue")
                .description("Message queue with competing consumers on RabbitMQ (docs/message-queue.md)")
                .post().id("queue-task-submit")
                    .description("Queue a task; 202 once RabbitMQ confirmed the persistent message")
                    .consumes("application/json").produces("application/json")
                    .type(TaskRequest.class)
                    .param().name("Idempotency-Key").type(RestParamType.header).required(false)
                        .description("a retry with the same key queues the same task id, done once").endParam()
                    .responseMessage().code(400).message("invalid task (problem+json)").endResponseMessage()
                    .responseMessage().code(413).message("body too large").endResponseMessage()
                    .responseMessage().code(415).message("not application/json").endResponseMessage()
                    .responseMessage().code(503).message("RabbitMQ unavailable, nothing queued").endResponseMessage()
                    .responseMessage().code(202).message("queued; Location names the task").responseModel(TaskAccepted.class).endResponseMessage()
                    .to("direct:queue-task-submit")
                .get("/{taskId}").id("queue-task-status")
                    .description("A task's status: QUEUED, DONE, FAILED or DEAD_LETTERED, attempts, last error")
                    .produces("application/json").outType(TaskView.class)
                    .responseMessage().code(404).message("no such task").endResponseMessage()
                    .responseMessage().code(200).message("the task").responseModel(TaskView.class).endResponseMessage()
                    .to("direct:queue-task-status");
        }

        from("direct:queue-task-submit")
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
            .process(Headers.keepOnly(TaskWorker.TASK_ID))
            .setHeader(SpringRabbitMQConstants.MESSAGE_ID, exchangeProperty(TaskWorker.TASK_ID))
            .setHeader(SpringRabbitMQConstants.CONTENT_TYPE, constant("application/json"))
            // returns once the broker confirmed the persistent message, or throws
            .to(ExchangePattern.InOnly, "spring-rabbitmq:{{hub.tasks.exchange}}?routingKey={{hub.tasks.queue}}"
                    + "&confirm=enabled&confirmTimeout={{hub.tasks.confirm-timeout-ms}}")
            .bean("taskStore", "recordQueued(${exchangeProperty.hubTaskId}, ${exchangeProperty.hubTaskType})")
            .process(e -> accepted(e, e.getProperty(TaskWorker.TASK_ID, String.class)))
            .bean(IdempotentRequests.BEAN, "remember");

        from("direct:queue-task-status")
            .routeId("queue-task-status")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                String taskId = e.getIn().getHeader("taskId", String.class);
                var view = e.getContext().getRegistry().lookupByNameAndType("taskStore", TaskStore.class).find(taskId)
                        .orElseThrow(() -> HttpProblemException.notFound("no task " + taskId));
                JsonResponses.answer(e, 200, view);
            });

        // each consumer keeps up to its prefetch of tasks in flight (asyncConsumer): their status writes
        // share commits, and each message is acked by the worker once its outcome is committed
        from("spring-rabbitmq:{{hub.tasks.exchange}}?queues={{hub.tasks.queue}}&autoDeclare=false"
                + "&concurrentConsumers={{hub.tasks.consumers}}&prefetchCount={{hub.tasks.prefetch}}"
                + "&acknowledgeMode=MANUAL&asyncConsumer=true"
                // a task is one-way work: never answer a reply-to a publisher may have set
                + "&disableReplyTo=true&exchangePattern=InOnly")
            .routeId("queue-task-worker")
            .routeConfigurationId(TaskDeadLetterConfiguration.ID)
            .process(TaskWorker::acknowledgeWhenDone)
            .bean("taskWorker", "read")
            .process("taskWorker");

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
