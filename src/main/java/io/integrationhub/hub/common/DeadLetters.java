package io.integrationhub.hub.common;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.camel.CamelContext;

/**
 * The hub's dead-letter destinations, each registered by the pattern that fills it (the task
 * queue's {@code tasks.dlq}, the event log's {@code <topic>.dlt}, pub/sub's dead-letter stream), so
 * that recovery ({@code /admin/dead-letters}) can list, read, redrive and discard their messages
 * without knowing any pattern. Kept here, as {@link ReplayTargets}, so registration needs no order.
 */
public final class DeadLetters {

    /** Bean name of the hub's one instance. */
    public static final String BEAN = "deadLetterSources";

    /** Header of a redriven message: how many times it was sent back from the dead letters. */
    public static final String REDRIVE_COUNT = "x-redrive-count";
    /** Header of a redriven message: the dead-letter source it came back from. */
    public static final String REDRIVEN_FROM = "x-redriven-from";

    /** One dead-lettered message as an operator sees it; {@code body} is capped, {@code bodyBytes} its full size. */
    public record Letter(String id, Instant failedAt, String reason, String failedRoute, Integer attempts,
                         int redriveCount, Map<String, String> headers, String body, int bodyBytes, boolean bodyTruncated) {
    }

    /** What to do with one message of a walk through a source. */
    public enum Action {
        /** leave it where it is and go on */
        KEEP,
        /** send it back to its original destination (confirmed), then take it off the dead letters */
        REDRIVE,
        /** take it off the dead letters */
        DISCARD,
        /** leave it, and end the walk here */
        STOP
    }

    /** Decides, message by message, what a walk does. */
    @FunctionalInterface
    public interface Decider {
        Action decide(Letter letter);
    }

    /** Told of each message once its action is done: republish confirmed, or removed. */
    @FunctionalInterface
    public interface Done {
        void done(List<Letter> letters, Action action) throws Exception;
    }

    /**
     * A dead-letter destination. Implementations never lose a message: a redriven one leaves the
     * dead letters only after the broker confirmed its republish (a crash in between may duplicate
     * it, which the idempotent consumers absorb).
     */
    public interface Source {
        /** The name in {@code /admin/dead-letters/{source}}: the queue, topic or subject. */
        String name();

        /** {@code rabbitmq}, {@code kafka} or {@code nats}. */
        String broker();

        /** Where a redriven message goes. */
        String redrivesTo();

        /** Messages waiting in it; throws {@link DomainException.Unavailable} when its broker is unreachable. */
        long depth();

        /**
         * Goes through the waiting messages, oldest first, at most {@code scanLimit} of them, doing
         * for each what {@code decider} says, and telling {@code done} of each batch of them done.
         * A message kept stays where it was.
         */
        void walk(int scanLimit, int bodyLimit, Decider decider, Done done);
    }

    private final Map<String, Source> sources = new ConcurrentSkipListMap<>();

    /** The hub's instance: made by whichever configuration asks first, so patterns need no order. */
    public static DeadLetters of(CamelContext context) {
        synchronized (context) {
            DeadLetters found = context.getRegistry().lookupByNameAndType(BEAN, DeadLetters.class);
            if (found == null) {
                found = new DeadLetters();
                context.getRegistry().bind(BEAN, found);
            }
            return found;
        }
    }

    public void register(Source source) {
        sources.put(source.name(), source);
    }

    public Collection<Source> all() {
        return List.copyOf(sources.values());
    }

    public Optional<Source> find(String name) {
        return Optional.ofNullable(name == null ? null : sources.get(name));
    }

    /** The redrive count a message carries ({@value #REDRIVE_COUNT}), 0 when none or unreadable. */
    public static int redriveCount(Object header) {
        if (header == null) {
            return 0;
        }
        String text = header instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                : header.toString();
        try {
            return Math.max(0, Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The body as an operator reads it: UTF-8 text, cut at {@code limit} bytes. */
    public static String bodyText(byte[] body, int limit) {
        if (body == null) {
            return "";
        }
        int n = Math.min(body.length, limit);
        return new String(body, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
