package io.integrationhub.hub.pubsub;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.MessagingMetrics;
import io.integrationhub.hub.infra.NatsConfiguration.NatsMonitor;
import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a message a subscriber gave up on: error log, failure counter, and the message itself on
 * the dead-letter subject with who failed, why and when ({@code x-subscriber}, {@code x-failure-reason},
 * {@code x-failed-route}, {@code x-failed-at}; a redriven message's {@code x-redrive-count} kept).
 * With a dead-letter stream ({@code hub.pubsub.dead-letter-stream}, created if missing) the report is
 * a JetStream publish that waits for the stream's PubAck, so a JetStream subscriber acknowledges its
 * message only once the dead letter is stored, and recovery can read and redrive it
 * ({@link NatsDeadLetterSource}); without one, a core publish (at most once, for a NATS without JetStream).
 */
public class PubSubDeadLetters {

    private static final Logger LOG = LoggerFactory.getLogger(PubSubDeadLetters.class);

    private final NatsMonitor nats;
    private final String subject;
    private final String stream;
    private final Duration maxAge;
    private final Duration ackTimeout;
    private volatile Connection streamCheckedOn;

    /** @param stream the dead-letter stream, blank for core publishes */
    public PubSubDeadLetters(NatsMonitor nats, String subject, String stream, Duration maxAge, Duration ackTimeout) {
        this.nats = nats;
        this.subject = subject;
        this.stream = stream == null ? "" : stream.trim();
        this.maxAge = maxAge;
        this.ackTimeout = ackTimeout;
    }

    public void describe(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String subscriber = exchange.getProperty(PubSubRoutes.SUBSCRIBER, String.class);
        String reason = cause == null ? "unknown" : String.valueOf(cause.getMessage());
        LOG.error("Subscriber {} failed on a message and reported it to the dead-letter subject: {}", subscriber, reason);
        MeterRegistry registry = exchange.getContext().getRegistry().findSingleByType(MeterRegistry.class);
        if (registry != null) {
            registry.counter("hub.pubsub.failed", "subscriber", String.valueOf(subscriber)).increment();
        }
        MessagingMetrics.deadLettered(exchange, subject);
        var msg = exchange.getIn();
        int redriven = DeadLetters.redriveCount(msg.getHeader(DeadLetters.REDRIVE_COUNT));
        msg.removeHeaders("*");
        msg.setHeader("x-subscriber", String.valueOf(subscriber));
        msg.setHeader("x-failure-reason", reason);
        msg.setHeader("x-failed-route", exchange.getFromRouteId());
        msg.setHeader("x-failed-at", Instant.now().toString());
        if (redriven > 0) {
            msg.setHeader(DeadLetters.REDRIVE_COUNT, String.valueOf(redriven));
        }
    }

    /** Publishes the described message to the dead-letter subject; with a stream, returns once it is stored. */
    public void publish(Exchange exchange) throws Exception {
        Connection connection = nats.connection();
        if (connection == null) {
            throw new DomainException.Unavailable("the NATS server is unavailable (" + nats.status()
                    + "): the dead letter was not reported");
        }
        Headers headers = new Headers();
        for (String name : new String[] {"x-subscriber", "x-failure-reason", "x-failed-route", "x-failed-at",
                DeadLetters.REDRIVE_COUNT}) {
            String value = exchange.getIn().getHeader(name, String.class);
            if (value != null) {
                // NATS header values are one line of ASCII
                headers.add(name, value.replaceAll("[^\\x20-\\x7e]", "?"));
            }
        }
        NatsMessage message = NatsMessage.builder().subject(subject).headers(headers)
                .data(exchange.getIn().getBody(byte[].class)).build();
        if (stream.isEmpty() || !connection.getServerInfo().isJetStreamAvailable()) {
            connection.publish(message);
            return;
        }
        ensureStream(connection);
        connection.jetStream(JetStreamOptions.builder().requestTimeout(ackTimeout).build())
                .publish(message, PublishOptions.builder().expectedStream(stream).build());
    }

    private void ensureStream(Connection connection) throws IOException, JetStreamApiException {
        if (streamCheckedOn == connection) {
            return;
        }
        Streams.ensure(connection.jetStreamManagement(), stream, subject, maxAge);
        streamCheckedOn = connection;
    }
}
