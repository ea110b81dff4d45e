package io.integrationhub.hub.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Nats;

/**
 * A plain jnats client (not Camel) on the local NATS server, with subject and stream names of its
 * own for one test class; {@link #close()} deletes the JetStream stream the hub may have created.
 */
public final class NatsClient implements AutoCloseable {

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final Connection connection;

    public NatsClient() {
        try {
            connection = Nats.connect(LocalServices.natsServers());
        } catch (Exception e) {
            throw new IllegalStateException("cannot connect to the local NATS server", e);
        }
    }

    public String subject() {
        return "orders.created.it-" + suffix;
    }

    public String stream() {
        return "ORDERS_IT_" + suffix.toUpperCase();
    }

    /** Hub settings that point publish-subscribe at this class's own subject and stream. */
    public Map<String, String> hubSettings() {
        return Map.of("hub.pubsub.subject", subject(),
                "hub.pubsub.jetstream.stream", stream(),
                "hub.pubsub.dead-letter-stream", stream() + "_DLQ",
                "hub.pubsub.jetstream.durable-prefix", "it-" + suffix + "-",
                "hub.nats.servers", LocalServices.natsServers());
    }

    public void publish(String json) throws Exception {
        connection.publish(subject(), json.getBytes(StandardCharsets.UTF_8));
        connection.flush(Duration.ofSeconds(5));
    }

    /** Publishes each body to this class's subject in its JetStream stream and waits for every PubAck. */
    public void publishDurably(List<String> jsonBodies) throws Exception {
        var jetStream = connection.jetStream();
        List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> acks = new java.util.ArrayList<>();
        for (String json : jsonBodies) {
            acks.add(jetStream.publishAsync(subject(), json.getBytes(StandardCharsets.UTF_8)));
        }
        for (var ack : acks) {
            ack.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A core NATS request on {@code subject}: the reply's body. */
    public String request(String subject, String body) throws Exception {
        Message reply = connection.request(subject, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
        return new String(reply.getData(), StandardCharsets.UTF_8);
    }

    /** Collects every message on {@code subject} from now on. */
    public List<Message> collect(String subject) throws Exception {
        List<Message> messages = new CopyOnWriteArrayList<>();
        Dispatcher dispatcher = connection.createDispatcher(messages::add);
        dispatcher.subscribe(subject);
        connection.flush(Duration.ofSeconds(5));
        return messages;
    }

    @Override
    public void close() throws Exception {
        for (String name : new String[] {stream(), stream() + "_DLQ"}) {
            try {
                connection.jetStreamManagement().deleteStream(name);
            } catch (JetStreamApiException e) {
                // the streams exist only for tests that turned JetStream on or dead-lettered something
            }
        }
        connection.close();
    }
}
