package io.integrationhub.hub.pubsub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DeadLetters.Action;
import io.integrationhub.hub.common.DeadLetters.Letter;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.infra.NatsConfiguration.NatsMonitor;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

/**
 * Pub/sub's dead letters, JetStream stream {@code hub.pubsub.dead-letter-stream} (ORDERS_DLQ) on the
 * subject {@code orders.created.dlq}, for recovery. Messages are read by stream sequence (the id)
 * without a consumer; a redriven one is published again on {@code orders.created} into the orders
 * stream (PubAck awaited), with its redrive count, and only then deleted from the dead-letter stream:
 * a crash in between delivers it twice, which the subscribers apply once (per order and subscriber).
 * Every subscriber gets a redriven message; those that had it already change nothing.
 */
public class NatsDeadLetterSource implements DeadLetters.Source {

    /** Headers of the failure, not carried into the redriven message. */
    private static final Set<String> FAILURE_HEADERS = Set.of("x-subscriber", "x-failure-reason", "x-failed-route",
            "x-failed-at", DeadLetters.REDRIVE_COUNT, DeadLetters.REDRIVEN_FROM);
    private static final int NO_MESSAGE = 10037;
    private static final int NO_STREAM = 10059;

    private final NatsMonitor nats;
    private final String subject;
    private final String stream;
    private final String deadLetterSubject;
    private final String deadLetterStream;
    private final Duration ackTimeout;
    private final OrderPublisher orders;

    public NatsDeadLetterSource(NatsMonitor nats, OrderPublisher orders, String subject, String stream,
                                String deadLetterSubject, String deadLetterStream, Duration ackTimeout) {
        this.nats = nats;
        this.orders = orders;
        this.subject = subject;
        this.stream = stream;
        this.deadLetterSubject = deadLetterSubject;
        this.deadLetterStream = deadLetterStream;
        this.ackTimeout = ackTimeout;
    }

    @Override
    public String name() {
        return deadLetterSubject;
    }

    @Override
    public String broker() {
        return "nats";
    }

    @Override
    public String redrivesTo() {
        return "subject " + subject + " (stream " + stream + ")";
    }

    @Override
    public long depth() {
        try {
            StreamState state = state(management());
            return state == null ? 0 : state.getMsgCount();
        } catch (IOException | JetStreamApiException e) {
            throw unavailable(e);
        }
    }

    @Override
    public void walk(int scanLimit, int bodyLimit, DeadLetters.Decider decider, DeadLetters.Done done) {
        try {
            JetStreamManagement management = management();
            StreamState state = state(management);
            if (state == null || state.getMsgCount() == 0) {
                return;
            }
            int scanned = 0;
            for (long seq = state.getFirstSequence(); seq <= state.getLastSequence(); seq++) {
                MessageInfo info;
                try {
                    info = management.getMessage(deadLetterStream, seq);
                } catch (JetStreamApiException e) {
                    if (e.getApiErrorCode() == NO_MESSAGE) {
                        continue; // deleted (redriven or discarded) or aged out
                    }
                    throw e;
                }
                Letter letter = letter(info, bodyLimit);
                Action action = scanned++ >= scanLimit ? Action.STOP : decider.decide(letter);
                if (action == Action.STOP) {
                    return;
                }
                if (action == Action.REDRIVE) {
                    republish(info, letter);
                }
                if (action == Action.REDRIVE || action == Action.DISCARD) {
                    management.deleteMessage(deadLetterStream, seq);
                    done.done(List.of(letter), action);
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw unavailable(e);
        } catch (DomainException e) {
            throw e;
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    private void republish(MessageInfo info, Letter letter) throws IOException, JetStreamApiException {
        Headers headers = new Headers();
        if (info.getHeaders() != null) {
            for (String key : info.getHeaders().keySet()) {
                if (!FAILURE_HEADERS.contains(key)) {
                    headers.put(key, info.getHeaders().get(key));
                }
            }
        }
        headers.put(DeadLetters.REDRIVE_COUNT, String.valueOf(letter.redriveCount() + 1));
        headers.put(DeadLetters.REDRIVEN_FROM, deadLetterSubject);
        // into the orders stream, made now if no order was ever published through the hub
        orders.ensureStream(connection());
        // no message id: the orders stream's duplicate window would drop it as the order published before
        connection().jetStream(JetStreamOptions.builder().requestTimeout(ackTimeout).build())
                .publish(NatsMessage.builder().subject(subject).headers(headers).data(info.getData()).build(),
                        PublishOptions.builder().expectedStream(stream).build());
    }

    private Letter letter(MessageInfo info, int bodyLimit) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (info.getHeaders() != null) {
            for (String key : info.getHeaders().keySet()) {
                headers.put(key, info.getHeaders().getFirst(key));
            }
        }
        byte[] body = info.getData() == null ? new byte[0] : info.getData();
        return new Letter(String.valueOf(info.getSeq()), info.getTime() == null ? null : info.getTime().toInstant(),
                headers.getOrDefault("x-failure-reason", "unknown"), headers.get("x-failed-route"), null,
                DeadLetters.redriveCount(headers.get(DeadLetters.REDRIVE_COUNT)), headers,
                new String(body, 0, Math.min(body.length, bodyLimit), StandardCharsets.UTF_8), body.length,
                body.length > bodyLimit);
    }

    private StreamState state(JetStreamManagement management) throws IOException, JetStreamApiException {
        try {
            return management.getStreamInfo(deadLetterStream).getStreamState();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NO_STREAM) {
                return null; // nothing was dead-lettered yet: the stream is made with the first one
            }
            throw e;
        }
    }

    private JetStreamManagement management() throws IOException {
        return connection().jetStreamManagement();
    }

    private Connection connection() {
        Connection connection = nats.connection();
        if (connection == null) {
            throw new DomainException.Unavailable("the NATS server is unavailable (" + nats.status() + "), "
                    + deadLetterSubject + " cannot be read");
        }
        return connection;
    }

    private DomainException unavailable(Exception e) {
        return new DomainException.Unavailable("NATS JetStream did not answer for " + deadLetterSubject + ": "
                + e.getMessage(), e);
    }
}
