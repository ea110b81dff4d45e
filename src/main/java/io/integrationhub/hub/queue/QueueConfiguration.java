package io.integrationhub.hub.queue;

import java.util.Map;
import java.util.concurrent.ExecutorService;

import javax.sql.DataSource;

import com.rabbitmq.client.Channel;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.OnStarted;
import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.infra.InstanceRegistry;
import io.integrationhub.hub.infra.RabbitMqConfiguration;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.amqp.rabbit.core.RabbitAdmin;

/**
 * Beans of the task queue, and its RabbitMQ topology, declared (idempotently) each time the hub
 * opens a connection, so a broker that starts empty or was reset gets the queues back:
 * durable direct exchange {@code hub.tasks} → durable queue {@code tasks} (its rejected messages
 * dead-lettered by the broker to {@code hub.tasks.dlx} → {@code tasks.dlq}).
 */
public final class QueueConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        String exchange = HubSettings.required(context, "hub.tasks.exchange");
        String queue = HubSettings.required(context, "hub.tasks.queue");
        String dlx = HubSettings.required(context, "hub.tasks.dead-letter-exchange");
        String dlq = HubSettings.required(context, "hub.tasks.dead-letter-queue");

        DataSource dataSource = DataSourceConfiguration.dataSource(context);
        String instanceId = InstanceRegistry.instanceId(context);
        TaskStore store = new TaskStore(dataSource);
        context.getRegistry().bind("taskStore", store);
        context.getRegistry().bind("taskHandlers", new TaskHandlers());
        // the tasks run on a pool of hub.tasks.consumers threads; the consumers only read the messages
        ExecutorService workers = context.getExecutorServiceManager().newFixedThreadPool(
                store, "task-worker", HubSettings.positiveInt(context, "hub.tasks.consumers"));
        context.getRegistry().bind("taskWorker", new TaskWorker(store, context.getRegistry()
                .findSingleByType(TaskHandlers.class), instanceId, workers));
        // after the routes stopped (their in-flight tasks completed), the last status writes are committed
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                store.group().close();
            }
        });
        context.getRegistry().bind("taskDeadLetters", new TaskDeadLetters(store, instanceId));

        CachingConnectionFactory factory = context.getRegistry().lookupByNameAndType(
                RabbitMqConfiguration.CONNECTION_FACTORY, CachingConnectionFactory.class);
        DeadLetters.of(context).register(new TaskDeadLetterSource(factory.getRabbitConnectionFactory(),
                exchange, queue, dlq, HubSettings.positiveInt(context, "hub.dead-letters.batch-size"),
                HubSettings.positiveInt(context, "hub.tasks.confirm-timeout-ms")));
        factory.addConnectionListener((ConnectionListener) connection -> {
            try (Channel channel = connection.createChannel(false)) {
                channel.exchangeDeclare(dlx, "direct", true);
                channel.queueDeclare(dlq, true, false, false, null);
                channel.queueBind(dlq, dlx, dlq);
                channel.exchangeDeclare(exchange, "direct", true);
                channel.queueDeclare(queue, true, false, false,
                        Map.of("x-dead-letter-exchange", dlx, "x-dead-letter-routing-key", dlq));
                channel.queueBind(queue, exchange, queue);
            } catch (Exception e) {
                throw new IllegalStateException("cannot declare the task queue topology on RabbitMQ: " + e.getMessage(), e);
            }
        });

        // the depths of the queue and its dead-letter queue, for /observe/metrics and the console
        RabbitAdmin admin = new RabbitAdmin(factory);
        OnStarted.once(context, ctx -> {
            MeterRegistry meters = ctx.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters != null) {
                for (String name : new String[] {queue, dlq}) {
                    Gauge.builder("hub.queue.depth", admin, a -> depth(a, name))
                            .description("messages ready in the RabbitMQ queue (NaN while the broker is unreachable)")
                            .tag("queue", name).register(meters);
                }
            }
        });
    }

    private static double depth(RabbitAdmin admin, String queue) {
        try {
            QueueInformation info = admin.getQueueInfo(queue);
            return info == null ? Double.NaN : info.getMessageCount();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
