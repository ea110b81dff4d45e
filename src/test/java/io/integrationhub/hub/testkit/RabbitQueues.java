package io.integrationhub.hub.testkit;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;

/**
 * A plain AMQP client (not Camel) on the local RabbitMQ, and task-queue names of their own for one
 * test class, so classes never share a queue; {@link #close()} deletes what the hub declared.
 */
public final class RabbitQueues implements AutoCloseable {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final ConnectionFactory factory = new ConnectionFactory();
    private final Connection connection;
    private final Channel channel;

    public RabbitQueues() {
        LocalServices.require(LocalServices.Service.RABBITMQ);
        try {
            factory.setHost(LocalServices.Service.RABBITMQ.host());
            factory.setPort(LocalServices.Service.RABBITMQ.port());
            connection = factory.newConnection("hub-test-client");
            channel = connection.createChannel();
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to the local RabbitMQ", e);
        }
    }

    public String queue() {
        return "tasks-it-" + suffix;
    }

    public String deadLetterQueue() {
        return queue() + ".dlq";
    }

    /** Hub settings that point the task queue at this class's own names. */
    public Map<String, String> hubSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("hub.tasks.queue", queue());
        settings.put("hub.tasks.exchange", "hub.tasks-it-" + suffix);
        settings.put("hub.tasks.dead-letter-exchange", "hub.tasks-it-" + suffix + ".dlx");
        settings.put("hub.tasks.dead-letter-queue", deadLetterQueue());
        return settings;
    }

    /** Publishes straight to the task queue through the default exchange, as any AMQP client can. */
    public void publishToQueue(byte[] body, String messageId) throws IOException {
        publishToQueue(body, messageId, Map.of());
    }

    /** As {@link #publishToQueue(byte[], String)}, with AMQP headers (a {@code traceparent}, say). */
    public void publishToQueue(byte[] body, String messageId, Map<String, Object> headers) throws IOException {
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json").deliveryMode(2).messageId(messageId).headers(headers).build();
        channel.basicPublish("", queue(), props, body);
    }

    /** Takes one message off a queue (acknowledged), or null. */
    public GetResponse take(String queue) throws IOException {
        return channel.basicGet(queue, true);
    }

    public long messageCount(String queue) throws IOException {
        return channel.messageCount(queue);
    }

    public Map<String, Object> headers(GetResponse response) {
        Map<String, Object> headers = new HashMap<>();
        if (response.getProps().getHeaders() != null) {
            response.getProps().getHeaders().forEach((k, v) -> headers.put(k, v == null ? null : v.toString()));
        }
        return headers;
    }

    /**
     * Deletes the names on a connection of its own: a test that restarted RabbitMQ (RabbitMqOutageTest)
     * leaves {@link #connection} closed until the client's automatic recovery (5 s) has run.
     */
    @Override
    public void close() throws Exception {
        Map<String, String> names = hubSettings();
        try (Connection cleanup = factory.newConnection("hub-test-cleanup"); Channel ch = cleanup.createChannel()) {
            ch.queueDelete(names.get("hub.tasks.queue"));
            ch.queueDelete(names.get("hub.tasks.dead-letter-queue"));
            ch.exchangeDelete(names.get("hub.tasks.exchange"));
            ch.exchangeDelete(names.get("hub.tasks.dead-letter-exchange"));
        } finally {
            connection.abort();
        }
    }
}
