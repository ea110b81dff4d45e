package io.integrationhub.hub.pubsub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.infra.NatsConfiguration.NatsMonitor;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.NatsMessage;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an order on {@code hub.pubsub.subject} so that a 202 means what it says.
 * <p>
 * Durable ({@code hub.pubsub.publish.durable=true}, the default): through JetStream, answered only
 * once the stream {@code hub.pubsub.jetstream.stream} has stored the message (its PubAck), so a
 * NATS server killed right after the 202 still has it for every JetStream subscriber. The stream
 * is created on first use when missing (file storage, {@code hub.pubsub.jetstream.max-age}). The
 * message id derives from the orderId: a retried publish of the same order within the stream's duplicate
 * window is stored once (the message id is derived from the orderId). Core subscribers still receive it as a plain message on the subject.
 * <p>
 * Not durable ({@code false}, for a NATS server without JetStream): a core publish, at most once.
 * <p>
 * Written against jnats rather than through camel-nats' producer because in 4.17 that producer
 * falls back to a core publish when the server has no JetStream (a 202 that is not durable) and
 * reports a missing stream as a plain Exception; here each failure becomes a clear 503.
 */
public class OrderPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(OrderPublisher.class);
    private static final int STUCK_AFTER = 3;
    private final NatsMonitor nats;
    private final String subject;
    private final String stream;
    private final boolean durable;
    private final Duration maxAge;
    private final Duration ackTimeout;
    private volatile Connection streamCheckedOn;
    private final AtomicInteger unansweredInARow = new AtomicInteger();
    private final AtomicBoolean reconnecting = new AtomicBoolean();

    public OrderPublisher(NatsMonitor nats, String subject, String stream, boolean durable, Duration maxAge,
            Duration ackTimeout) {
        this.nats = nats;
        this.subject = subject;
        this.stream = stream;
        this.durable = durable;
        this.maxAge = maxAge;
        this.ackTimeout = ackTimeout;
    }

    /** Publishes the body (an order with {@code orderId}); throws a 503 problem when it is not stored. */
    public void publish(Exchange exchange) {
        String orderId = exchange.getProperty("orderId", String.class);
        byte[] body = exchange.getIn().getBody(byte[].class);
        Connection connection = nats.connection();
        if (connection == null) {
            // a client that is reconnecting would buffer the message; refusing is the honest answer
            throw unavailable("the NATS server is unavailable (" + nats.status() + "), nothing was published");
        }
        NatsMessage message = NatsMessage.builder().subject(subject).data(body).build();
        if (!durable) {
            connection.publish(message);
            return;
        }
        try {
            ensureStream(connection);
            PublishAck ack = connection.jetStream(JetStreamOptions.builder().requestTimeout(ackTimeout).build())
                    .publish(message, PublishOptions.builder().messageId(messageId(orderId)).expectedStream(stream).build());
            unansweredInARow.set(0);
            exchange.setProperty("streamSequence", ack.getSeqno());
            if (ack.isDuplicate()) {
                LOG.debug("order {} was published before (stream {} sequence {})", orderId, stream, ack.getSeqno());
            }
        } catch (IOException | JetStreamApiException e) {
            if (e instanceof IOException) {
                reconnectIfStuck(connection);
            }
            throw unavailable("NATS JetStream did not confirm that stream " + stream + " stored the order ("
                    + e.getMessage() + "); publishing the same orderId again is safe");
        }
    }

    /**
     * A connection that reports CONNECTED but gets no PubAck for {@value #STUCK_AFTER} publishes in a
     * row is reconnected. Seen with jnats 2.24.1 after a NATS restart under load (PubSubCrashJarIT):
     * the connection came back CONNECTED and every JetStream request then timed out until the next
     * reconnect; one inbox per request (NatsConfiguration) made it rarer, not impossible.
     */
    private void reconnectIfStuck(Connection connection) {
        if (unansweredInARow.incrementAndGet() < STUCK_AFTER || connection.getStatus() != Connection.Status.CONNECTED
                || !reconnecting.compareAndSet(false, true)) {
            return;
        }
        LOG.warn("NATS JetStream answered none of the last {} publishes on a connected connection; reconnecting", STUCK_AFTER);
        try {
            connection.forceReconnect();
        } catch (IOException e) {
            LOG.warn("Could not reconnect to NATS: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            unansweredInARow.set(0);
            streamCheckedOn = null;
            reconnecting.set(false);
        }
    }

    /** The order's JetStream message id: derived from the orderId, ASCII as a NATS header value must be. */
    static String messageId(String orderId) {
        return "order-" + UUID.nameUUIDFromBytes(orderId.getBytes(StandardCharsets.UTF_8));
    }

    /** Creates the orders stream when missing, or adds the subject to it (also before a redrive publishes into it). */
    void ensureStream(Connection connection) throws IOException, JetStreamApiException {
        if (streamCheckedOn == connection) {
            return;
        }
        if (!connection.getServerInfo().isJetStreamAvailable()) {
            throw unavailable("the NATS server has no JetStream: a durable publish needs it "
                    + "(or set hub.pubsub.publish.durable=false for an at-most-once core publish)");
        }
        Streams.ensure(connection.jetStreamManagement(), stream, subject, maxAge);
        streamCheckedOn = connection;
    }

    private static DomainException.Unavailable unavailable(String detail) {
        return new DomainException.Unavailable(detail);
    }
}
