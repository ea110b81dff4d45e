package io.integrationhub.hub.queue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.IdempotentRequests;
import io.integrationhub.hub.testkit.MemoryDatabase;
import io.integrationhub.hub.queue.api.TaskStatus;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.springrabbit.SpringRabbitMQConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of the worker and dead-letter logic of {@link TaskQueueRoutes} with camel-test: the
 * RabbitMQ consumer becomes {@code direct:tasks}, the dead-letter publish a mock, the status store
 * an in-memory H2. The same routes against the real broker: {@code it.TaskQueueTest}.
 */
class TaskWorkerRouteTest extends RouteUnitTestSupport {

    private TaskStore store;

    @Override
    protected Map<String, String> settings() {
        return Map.ofEntries(
                Map.entry("hub.tasks.max-body-bytes", "65536"),
                Map.entry("hub.tasks.max-attempts", "3"),
                Map.entry("hub.tasks.retry-delay-ms", "1"),
                Map.entry("hub.tasks.exchange", "hub.tasks"),
                Map.entry("hub.tasks.queue", "tasks"),
                Map.entry("hub.tasks.dead-letter-exchange", "hub.tasks.dlx"),
                Map.entry("hub.tasks.dead-letter-queue", "tasks.dlq"),
                Map.entry("hub.tasks.consumers", "1"),
                Map.entry("hub.tasks.prefetch", "1"),
                Map.entry("hub.tasks.confirm-timeout-ms", "1000"));
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() {
        return new RoutesBuilder[] {new HttpProblemRouteConfiguration(), new TaskDeadLetterConfiguration(), new TaskQueueRoutes()};
    }

    @BeforeEach
    void adviseRoutes() throws Exception {
        store = new TaskStore(MemoryDatabase.migrated());
        context.getRegistry().bind(IdempotentRequests.BEAN, new IdempotentRequests(MemoryDatabase.migrated(), Duration.ofHours(1), Duration.ofMinutes(1)));
        context.getRegistry().bind("taskStore", store);
        context.getRegistry().bind("taskWorker", new TaskWorker(store, new TaskHandlers(), "unit"));
        context.getRegistry().bind("taskDeadLetters", new TaskDeadLetters(store, "unit"));

        AdviceWith.adviceWith(context, "queue-task-worker", r -> r.replaceFromWith("direct:tasks"));
        AdviceWith.adviceWith(context, "queue-task-dead-letter",
                r -> r.weaveByToUri("spring-rabbitmq:*").replace().to("mock:dlq"));
        AdviceWith.adviceWith(context, "queue-task-submit", r -> r.replaceFromWith("direct:submit"));
        AdviceWith.adviceWith(context, "queue-task-status", r -> r.replaceFromWith("direct:status"));
        context.start();
    }

    @Test
    void shouldDeadLetterTheOriginalMessageWithReasonAfterThreeAttempts() throws Exception {
        MockEndpoint dlq = getMockEndpoint("mock:dlq");
        dlq.expectedMessageCount(1);
        dlq.expectedHeaderReceived("x-failure-reason", "no space left");
        dlq.expectedHeaderReceived("x-attempts", 3);
        dlq.expectedHeaderReceived("x-task-id", "t-1");
        byte[] original = "{\"taskId\":\"t-1\",\"type\":\"fail\",\"payload\":{\"reason\":\"no space left\"}}"
                .getBytes(StandardCharsets.UTF_8);

        template.sendBody("direct:tasks", original);

        dlq.assertIsSatisfied();
        assertThat(dlq.getExchanges().get(0).getIn().getBody(byte[].class)).isEqualTo(original);
        var task = store.find("t-1").orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.DEAD_LETTERED);
        assertThat(task.attempts()).isEqualTo(3);
    }

    @Test
    void shouldDeadLetterPoisonAtOnceWithoutRetrying() throws Exception {
        MockEndpoint dlq = getMockEndpoint("mock:dlq");
        dlq.expectedMessageCount(1);

        template.sendBodyAndHeader("direct:tasks", "not json".getBytes(StandardCharsets.UTF_8),
                SpringRabbitMQConstants.MESSAGE_ID, "poison-1");

        dlq.assertIsSatisfied();
        assertThat(dlq.getExchanges().get(0).getIn().getHeader("x-failure-reason", String.class))
                .startsWith("message is not a task in JSON");
        assertThat(dlq.getExchanges().get(0).getIn().getHeader("CamelRedeliveryCounter", Integer.class)).isNull();
        assertThat(store.find("poison-1").orElseThrow().attempts()).isZero();
    }

    @Test
    void shouldFinishATaskOnceEvenWhenItIsDeliveredTwice() throws Exception {
        getMockEndpoint("mock:dlq").expectedMessageCount(0);
        byte[] task = "{\"taskId\":\"t-2\",\"type\":\"noop\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);

        template.sendBody("direct:tasks", task);
        template.sendBody("direct:tasks", task);

        var done = store.find("t-2").orElseThrow();
        assertThat(done.status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.attempts()).as("the redelivery of a finished task is only acknowledged").isEqualTo(1);
        MockEndpoint.assertIsSatisfied(context);
    }
}
