package io.integrationhub.hub.infra;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamConfiguration;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.nats.NatsConfiguration;
import org.apache.camel.component.nats.NatsConstants;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer of {@link GroupedNatsComponent}: subscribes as camel-nats 4.17 does (core NATS, or a
 * JetStream push consumer with the same durable name {@code <durableName>-durable}, the stream created
 * when missing), but hands each message to its route asynchronously and returns to the next one, with
 * at most {@code maxInFlight} messages in their routes (the dispatcher waits for a free place: the
 * subscription's pending limits, then JetStream's max-ack-pending, hold the rest back).
 * <p>
 * A JetStream message is acknowledged once its exchange completed — processed, or handled by the
 * route's error handler (the dead-letter route stored it) — and negatively acknowledged with a delay
 * when the exchange failed, so JetStream delivers it again; never acknowledged before. A core NATS
 * message has no acknowledgement (at most once, as with camel-nats).
 * <p>
 * Written by hand: camel-nats has no asynchronous consumer and no manual acknowledgement in 4.17,
 * and its options that come near ({@code consumerConfiguration}) replace the consumer's whole
 * configuration without changing when it acknowledges.
 */
class GroupedNatsConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(GroupedNatsConsumer.class);
    /** A failed JetStream message comes back after this long, not in a tight loop. */
    private static final Duration REDELIVERY_DELAY = Duration.ofSeconds(1);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final int maxInFlight;
    private final Duration ackWait;
    private final Semaphore inFlight;
    private volatile Connection connection;
    private volatile Dispatcher dispatcher;

    GroupedNatsConsumer(NatsEndpoint endpoint, Processor processor, int maxInFlight, Duration ackWait) {
        super(endpoint, processor);
        this.maxInFlight = maxInFlight;
        this.ackWait = ackWait;
        this.inFlight = new Semaphore(maxInFlight);
    }

    @Override
    public NatsEndpoint getEndpoint() {
        return (NatsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        NatsConfiguration config = getEndpoint().getConfiguration();
        connection = config.getConnection() != null ? config.getConnection() : getEndpoint().getConnection();
        String subject = config.getTopic();
        String queue = config.getQueueName() == null || config.getQueueName().isBlank() ? null : config.getQueueName();
        boolean jetStream = config.isJetstreamEnabled() && connection.getServerInfo().isJetStreamAvailable();
        // The handler is also the dispatcher's default handler: jnats (2.24, still so on its main branch)
        // sends SUB before it files a subscription's own handler, and a message that arrives in between
        // finds no handler and is dropped without a word. For a JetStream durable that already holds
        // messages (a restarted route) they come at once, and came back only after the ack wait.
        boolean js = jetStream;
        dispatcher = connection.createDispatcher(msg -> {
            if (!msg.isStatusMessage()) {
                onMessage(msg, js);
            }
        });
        if (jetStream) {
            // always a push subscription (camel-nats's pull subscriptions consume nothing in 4.17, CAMEL-23419):
            // pullSubscription, true by default in nats:, is not read
            JetStreamManagement management = connection.jetStreamManagement();
            ensureStream(management, config.getJetstreamName(), subject);
            ConsumerConfiguration consumer = config.getConsumerConfiguration();
            if (consumer == null) {
                String durable = config.getDurableName() == null ? null : config.getDurableName() + "-durable";
                if (durable != null) {
                    applyAckWait(management, config.getJetstreamName(), durable);
                }
                consumer = ConsumerConfiguration.builder().deliverSubject(null).durable(durable).ackWait(ackWait).build();
            }
            PushSubscribeOptions options = PushSubscribeOptions.builder().configuration(consumer).deliverGroup(queue).build();
            connection.jetStream().subscribe(subject, queue, dispatcher, msg -> onMessage(msg, true), false, options);
        } else if (queue != null) {
            dispatcher.subscribe(subject, queue);
        } else {
            dispatcher.subscribe(subject);
        }
        // the server has the subscription once the route counts as started (a message published next reaches it)
        connection.flush(Duration.ofSeconds(5));
        LOG.debug("Subscribed to {} ({}, up to {} in flight)", subject, jetStream ? "JetStream" : "core NATS", maxInFlight);
    }

    /**
     * A durable consumer keeps the configuration it was created with, and jnats refuses to subscribe to
     * it with another ack wait: a changed {@code hub.nats.ack-wait-ms} is applied to the existing durable
     * first (the ack wait is one of the settings a NATS server lets a consumer change).
     */
    private void applyAckWait(JetStreamManagement management, String stream, String durable) throws Exception {
        ConsumerInfo info;
        try {
            info = management.getConsumerInfo(stream, durable);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() == 404) {
                return; // created by the subscription, with this ack wait
            }
            throw e;
        }
        ConsumerConfiguration existing = info.getConsumerConfiguration();
        if (!ackWait.equals(existing.getAckWait())) {
            management.addOrUpdateConsumer(stream, ConsumerConfiguration.builder(existing).ackWait(ackWait).build());
            LOG.info("JetStream consumer {} of stream {}: ack wait {} -> {}", durable, stream, existing.getAckWait(), ackWait);
        }
    }

    private static void ensureStream(JetStreamManagement jsm, String stream, String subject) throws Exception {
        try {
            jsm.getStreamInfo(stream);
        } catch (JetStreamApiException e) {
            if (e.getErrorCode() != 404) {
                throw e;
            }
            jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subject).build());
        }
    }

    private void onMessage(Message msg, boolean jetStream) throws InterruptedException {
        inFlight.acquire();
        Exchange exchange = createExchange(false);
        try {
            fill(exchange, msg);
        } catch (RuntimeException e) {
            inFlight.release();
            releaseExchange(exchange, false);
            throw e;
        }
        getAsyncProcessor().process(exchange, doneSync -> {
            try {
                Exception failure = exchange.getException();
                if (jetStream) {
                    if (failure == null) {
                        msg.ack();
                    } else {
                        msg.nakWithDelay(REDELIVERY_DELAY);
                    }
                } else if (failure == null && !getEndpoint().getConfiguration().isReplyToDisabled() && msg.getReplyTo() != null) {
                    byte[] reply = exchange.getMessage().getBody(byte[].class);
                    if (reply != null && msg.getConnection() != null) {
                        msg.getConnection().publish(msg.getReplyTo(), reply);
                    }
                }
                if (failure != null) {
                    getExceptionHandler().handleException("Error processing NATS message on " + msg.getSubject(), exchange, failure);
                }
            } catch (RuntimeException e) {
                // the connection closed (NATS gone, hub stopping): a JetStream message comes again
                LOG.warn("Could not settle NATS message on {}: {}", msg.getSubject(), e.toString());
            } finally {
                releaseExchange(exchange, false);
                inFlight.release();
            }
        });
    }

    private void fill(Exchange exchange, Message msg) {
        // the headers camel-nats sets, so routes read the same as from nats:
        var in = exchange.getIn();
        in.setBody(msg.getData());
        in.setHeader(NatsConstants.NATS_REPLY_TO, msg.getReplyTo());
        in.setHeader(NatsConstants.NATS_SID, msg.getSID());
        in.setHeader(NatsConstants.NATS_SUBJECT, msg.getSubject());
        in.setHeader(NatsConstants.NATS_QUEUE_NAME, msg.getSubscription() == null ? null : msg.getSubscription().getQueueName());
        in.setHeader(NatsConstants.NATS_MESSAGE_TIMESTAMP, System.currentTimeMillis());
        if (msg.getHeaders() != null) {
            HeaderFilterStrategy strategy = getEndpoint().getConfiguration().getHeaderFilterStrategy();
            msg.getHeaders().entrySet().forEach(header -> {
                List<String> values = header.getValue();
                if (strategy == null || !strategy.applyFilterToExternalHeaders(header.getKey(), values, exchange)) {
                    in.setHeader(header.getKey(), values.size() == 1 ? values.get(0) : values);
                }
            });
        }
    }

    @Override
    protected void doStop() throws Exception {
        Dispatcher d = dispatcher;
        Connection c = connection;
        dispatcher = null;
        connection = null;
        if (d != null && c != null) {
            try {
                // no new messages; the ones handed to routes finish and are acknowledged on this connection
                c.closeDispatcher(d);
                // ...and the server has taken the unsubscribe in once stop returns: a JetStream message
                // published after the stop waits for the next subscription instead of being pushed to this
                // closed one (and coming back only after the ack wait)
                c.flush(Duration.ofSeconds(2));
            } catch (TimeoutException e) {
                LOG.debug("NATS did not confirm the unsubscribe of {} in time: {}", getEndpoint().getConfiguration().getTopic(), e.toString());
            } catch (RuntimeException e) {
                LOG.debug("Closing the dispatcher of {}: {}", getEndpoint().getConfiguration().getTopic(), e.toString());
            }
        }
        if (!inFlight.tryAcquire(maxInFlight, STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("{} NATS messages still in their routes after {}; JetStream delivers them again",
                    maxInFlight - inFlight.availablePermits(), STOP_TIMEOUT);
        } else {
            inFlight.release(maxInFlight);
        }
        if (c != null && getEndpoint().getConfiguration().getConnection() == null
                && c.getStatus() != Connection.Status.CLOSED) {
            c.close();
        }
        super.doStop();
    }
}
