package io.integrationhub.hub.queue;

import java.io.IOException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DeadLetters.Action;
import io.integrationhub.hub.common.DeadLetters.Letter;
import io.integrationhub.hub.common.DomainException;

/**
 * The task queue's dead letters, RabbitMQ queue {@code tasks.dlq}, for recovery. A walk takes the
 * messages on a connection of its own without acknowledging them (basic.get, manual ack): a message
 * kept goes back to its place when the connection closes, as does everything if the hub dies
 * mid-walk. A redriven task is published persistent to the task exchange with publisher confirms
 * and its redrive count (the worker reopens a DEAD_LETTERED task that comes with one), and only once
 * the broker confirmed it is its dead-letter copy acknowledged: a crash in between leaves both, and
 * the worker completes the task once.
 */
public class TaskDeadLetterSource implements DeadLetters.Source {

    /** Headers describing a failure: dropped from a redriven message, the next failure sets its own. */
    private static final Set<String> FAILURE_HEADERS = Set.of(TaskDeadLetters.REASON, TaskDeadLetters.EXCEPTION,
            TaskDeadLetters.ATTEMPTS, TaskDeadLetters.FAILED_AT, TaskDeadLetters.FAILED_ROUTE, TaskDeadLetters.LETTER_ID,
            "x-failed-by", "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
            "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason");

    private final ConnectionFactory rabbit;
    private final String exchange;
    private final String queue;
    private final String deadLetterQueue;
    private final int batchSize;
    private final long confirmTimeoutMs;

    public TaskDeadLetterSource(ConnectionFactory rabbit, String exchange, String queue,
                                String deadLetterQueue, int batchSize, long confirmTimeoutMs) {
        this.rabbit = rabbit;
        this.exchange = exchange;
        this.queue = queue;
        this.deadLetterQueue = deadLetterQueue;
        this.batchSize = batchSize;
        this.confirmTimeoutMs = confirmTimeoutMs;
    }

    @Override
    public String name() {
        return deadLetterQueue;
    }

    @Override
    public String broker() {
        return "rabbitmq";
    }

    @Override
    public String redrivesTo() {
        return "queue " + queue + " (exchange " + exchange + ")";
    }

    @Override
    public long depth() {
        try (Connection connection = rabbit.newConnection("hub-dead-letters"); Channel channel = connection.createChannel()) {
            return channel.messageCount(deadLetterQueue);
        } catch (IOException | TimeoutException e) {
            throw unavailable(e);
        }
    }

    @Override
    public void walk(int scanLimit, int bodyLimit, DeadLetters.Decider decider, DeadLetters.Done done) {
        // a connection of its own: closing it hands every message not acknowledged back to the queue
        try (Connection connection = rabbit.newConnection("hub-dead-letters")) {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            AtomicInteger returned = new AtomicInteger();
            // mandatory publishes: a message no queue took comes back here before its confirm
            channel.addReturnListener(r -> returned.incrementAndGet());
            List<Long> tags = new ArrayList<>();
            List<Letter> redriven = new ArrayList<>();
            int scanned = 0;
            while (scanned++ < scanLimit) {
                GetResponse response = channel.basicGet(deadLetterQueue, false);
                if (response == null) {
                    break;
                }
                Letter letter = letter(response, bodyLimit);
                Action action = decider.decide(letter);
                if (action == Action.STOP) {
                    break;
                }
                long tag = response.getEnvelope().getDeliveryTag();
                if (action == Action.DISCARD) {
                    channel.basicAck(tag, false);
                    done.done(List.of(letter), Action.DISCARD);
                } else if (action == Action.REDRIVE) {
                    republish(channel, response, letter);
                    tags.add(tag);
                    redriven.add(letter);
                    if (redriven.size() >= batchSize) {
                        confirmed(channel, returned, tags, redriven, done);
                    }
                }
            }
            confirmed(channel, returned, tags, redriven, done);
        } catch (IOException | TimeoutException e) {
            throw unavailable(e);
        } catch (DomainException e) {
            throw e;
        } catch (Exception e) {
            // a nack, a closed channel (ShutdownSignalException): the broker did not take the republish;
            // what was not acknowledged goes back to the dead-letter queue with the connection
            throw new DomainException.Unavailable("RabbitMQ did not confirm a redriven message, it stays in "
                    + deadLetterQueue + ": " + e.getMessage(), e);
        }
    }

    /** Waits for the broker to confirm the republished batch, then takes its dead-letter copies off the queue. */
    private void confirmed(Channel channel, AtomicInteger returned, List<Long> tags, List<Letter> letters,
                           DeadLetters.Done done) throws Exception {
        if (tags.isEmpty()) {
            return;
        }
        channel.waitForConfirmsOrDie(confirmTimeoutMs);
        if (returned.get() > 0) {
            throw new DomainException.Unavailable("exchange " + exchange + " routed no queue for " + returned.get()
                    + " redriven message(s): is queue " + queue + " bound? Nothing was taken off " + deadLetterQueue);
        }
        for (long tag : tags) {
            channel.basicAck(tag, false);
        }
        done.done(List.copyOf(letters), Action.REDRIVE);
        tags.clear();
        letters.clear();
    }

    private void republish(Channel channel, GetResponse response, Letter letter) throws Exception {
        AMQP.BasicProperties props = response.getProps();
        Map<String, Object> headers = new LinkedHashMap<>();
        if (props.getHeaders() != null) {
            props.getHeaders().forEach((k, v) -> {
                if (!FAILURE_HEADERS.contains(k)) {
                    headers.put(k, v);
                }
            });
        }
        headers.put(DeadLetters.REDRIVE_COUNT, letter.redriveCount() + 1);
        headers.put(DeadLetters.REDRIVEN_FROM, deadLetterQueue);
        AMQP.BasicProperties out = props.builder().headers(headers).deliveryMode(2).build();
        channel.basicPublish(exchange, queue, true, out, response.getBody());
    }

    private Letter letter(GetResponse response, int bodyLimit) {
        AMQP.BasicProperties props = response.getProps();
        Map<String, String> headers = new LinkedHashMap<>();
        if (props.getHeaders() != null) {
            props.getHeaders().forEach((k, v) -> headers.put(k, v == null ? null : String.valueOf(v)));
        }
        byte[] body = response.getBody() == null ? new byte[0] : response.getBody();
        String id = headers.get(TaskDeadLetters.LETTER_ID);
        if (id == null) {
            // dead-lettered by the broker (the hub could not publish it itself): no id of ours
            id = props.getMessageId() != null ? props.getMessageId() : "sha256-" + sha256(body);
        }
        String reason = headers.get(TaskDeadLetters.REASON);
        if (reason == null) {
            reason = headers.getOrDefault("x-first-death-reason", "unknown");
        }
        Integer attempts = null;
        try {
            attempts = headers.containsKey(TaskDeadLetters.ATTEMPTS) ? Integer.valueOf(headers.get(TaskDeadLetters.ATTEMPTS)) : null;
        } catch (NumberFormatException e) {
            // not a number: shown as a header only
        }
        return new Letter(id, failedAt(headers, props), reason, headers.get(TaskDeadLetters.FAILED_ROUTE), attempts,
                DeadLetters.redriveCount(headers.get(DeadLetters.REDRIVE_COUNT)), headers,
                DeadLetters.bodyText(body, bodyLimit), body.length, body.length > bodyLimit);
    }

    private static Instant failedAt(Map<String, String> headers, AMQP.BasicProperties props) {
        String at = headers.get(TaskDeadLetters.FAILED_AT);
        if (at != null) {
            try {
                return Instant.parse(at);
            } catch (DateTimeParseException e) {
                // fall through to the message's own time
            }
        }
        return props.getTimestamp() == null ? null : props.getTimestamp().toInstant();
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)).substring(0, 32);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private DomainException unavailable(Exception e) {
        return new DomainException.Unavailable("RabbitMQ is unreachable, " + deadLetterQueue + " cannot be read: "
                + e.getMessage(), e);
    }
}
