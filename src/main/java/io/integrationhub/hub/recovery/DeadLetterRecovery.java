package io.integrationhub.hub.recovery;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import javax.sql.DataSource;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DeadLetters.Action;
import io.integrationhub.hub.common.DeadLetters.Letter;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.recovery.api.DeadLetterViews;
import io.integrationhub.hub.recovery.api.Selection;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-letter recovery over every registered {@link DeadLetters.Source}: list them with their
 * depths, read their messages without consuming them, redrive a selection to where each came from,
 * discard one. The rules are here, the broker work in each source:
 * <ul>
 *   <li>a message already redriven {@code hub.dead-letters.max-redrives} times is refused and left
 *       where it is, so a message that keeps failing cannot loop;</li>
 *   <li>a message leaves the dead letters only after its republish was confirmed (the source's part);</li>
 *   <li>each redrive, refusal and discard is a row of {@code dead_letter_action} (who, when, which,
 *       outcome), and counted: {@code hub_messages_redriven_total{source}},
 *       {@code hub_messages_discarded_total{source}}.</li>
 * </ul>
 * One walk per source at a time in this instance; two instances redriving the same Kafka topic at
 * once may redrive a record twice, which its consumers apply once.
 */
public class DeadLetterRecovery {

    public static final String BEAN = "deadLetterRecovery";
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRecovery.class);
    private static final int MAX_PAGE = 500;
    /** Ids listed in a redrive's answer; the counts are always complete. */
    private static final int MAX_LISTED = 1000;

    private final DeadLetters sources;
    private final DataSource dataSource;
    private final CamelContext context;
    private final int maxRedrives;
    private final int scanLimit;
    private final int bodyLimit;
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public DeadLetterRecovery(CamelContext context, DeadLetters sources, DataSource dataSource, int maxRedrives,
                              int scanLimit, int bodyLimit) {
        this.context = context;
        this.sources = sources;
        this.dataSource = dataSource;
        this.maxRedrives = maxRedrives;
        this.scanLimit = scanLimit;
        this.bodyLimit = bodyLimit;
    }

    public DeadLetterViews.Sources list() {
        List<DeadLetterViews.Source> views = new ArrayList<>();
        for (DeadLetters.Source source : sources.all()) {
            Long depth = null;
            String error = null;
            try {
                depth = source.depth();
            } catch (RuntimeException e) {
                error = e.getMessage();
            }
            views.add(new DeadLetterViews.Source(source.name(), source.broker(), depth, source.redrivesTo(), error));
        }
        return new DeadLetterViews.Sources(views);
    }

    public DeadLetterViews.Page browse(String name, String limitText, String after) {
        DeadLetters.Source source = source(name);
        int limit = limit(limitText);
        List<DeadLetterViews.Message> page = new ArrayList<>();
        String[] next = new String[1];
        boolean[] started = {after == null || after.isBlank()};
        locked(source, () -> source.walk(scanLimit, bodyLimit, letter -> {
            if (!started[0]) {
                started[0] = letter.id().equals(after);
                return Action.KEEP;
            }
            if (page.size() == limit) {
                next[0] = page.get(limit - 1).id();
                return Action.STOP;
            }
            page.add(view(letter));
            return Action.KEEP;
        }, (letters, action) -> { }));
        return new DeadLetterViews.Page(source.name(), page, next[0]);
    }

    public DeadLetterViews.RedriveReport redrive(String name, Selection selection, String actor) {
        DeadLetters.Source source = source(name);
        if (selection == null) {
            throw new DomainException.Invalid("say which messages to redrive: ids, reason, route, from/to, or all: true");
        }
        Predicate<Letter> matches = matcher(selection);
        boolean dryRun = Boolean.TRUE.equals(selection.dryRun());
        int[] matched = {0};
        int[] redriven = {0};
        List<String> ids = new ArrayList<>();
        List<DeadLetterViews.Refused> refused = new ArrayList<>();
        List<Letter> refusedLetters = new ArrayList<>();
        locked(source, () -> source.walk(scanLimit, bodyLimit, letter -> {
            if (!matches.test(letter)) {
                return Action.KEEP;
            }
            matched[0]++;
            if (letter.redriveCount() >= maxRedrives) {
                refusedLetters.add(letter);
                if (refused.size() < MAX_LISTED) {
                    refused.add(new DeadLetterViews.Refused(letter.id(), letter.redriveCount(), "redriven "
                            + letter.redriveCount() + " times already (hub.dead-letters.max-redrives = " + maxRedrives + ")"));
                }
                return Action.KEEP;
            }
            if (dryRun) {
                redriven[0]++;
                if (ids.size() < MAX_LISTED) {
                    ids.add(letter.id());
                }
                return Action.KEEP;
            }
            return Action.REDRIVE;
        }, (letters, action) -> {
            record(source, letters, "REDRIVEN", actor);
            redriven[0] += letters.size();
            for (Letter l : letters) {
                if (ids.size() < MAX_LISTED) {
                    ids.add(l.id());
                }
            }
            count("hub.messages.redriven", source, letters.size());
        }));
        if (!dryRun && !refusedLetters.isEmpty()) {
            record(source, refusedLetters, "REFUSED", actor);
        }
        if (!dryRun) {
            LOG.info("{} redrove {} message(s) of {} to {}; {} refused at the redrive limit", actor, redriven[0],
                    source.name(), source.redrivesTo(), refusedLetters.size());
        }
        return new DeadLetterViews.RedriveReport(source.name(), dryRun, matched[0], redriven[0], ids, refused,
                source.redrivesTo());
    }

    public DeadLetterViews.Discarded discard(String name, String id, String actor) {
        DeadLetters.Source source = source(name);
        boolean[] found = {false};
        locked(source, () -> source.walk(scanLimit, bodyLimit, letter -> {
            if (letter.id().equals(id)) {
                found[0] = true;
                return Action.DISCARD;
            }
            return Action.KEEP;
        }, (letters, action) -> {
            record(source, letters, "DISCARDED", actor);
            count("hub.messages.discarded", source, letters.size());
            LOG.info("{} discarded message {} of {}", actor, id, source.name());
        }));
        if (!found[0]) {
            throw new DomainException.NotFound("no message " + id + " waits in " + source.name()
                    + " (within the first " + scanLimit + ", hub.dead-letters.scan-limit)");
        }
        return new DeadLetterViews.Discarded(source.name(), id, "DISCARDED");
    }

    private void count(String meter, DeadLetters.Source source, int n) {
        MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (meters != null) {
            meters.counter(meter, "source", source.name()).increment(n);
        }
    }

    private DeadLetters.Source source(String name) {
        return sources.find(name).orElseThrow(() -> new DomainException.NotFound("no dead-letter source " + name
                + "; sources: " + sources.all().stream().map(DeadLetters.Source::name).toList()));
    }

    private void locked(DeadLetters.Source source, Runnable walk) {
        ReentrantLock lock = locks.computeIfAbsent(source.name(), n -> new ReentrantLock());
        lock.lock();
        try {
            walk.run();
        } finally {
            lock.unlock();
        }
    }

    private static int limit(String text) {
        if (text == null || text.isBlank()) {
            return 50;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= MAX_PAGE) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new DomainException.Invalid("limit must be a number from 1 to " + MAX_PAGE + ", not " + text);
    }

    static Predicate<Letter> matcher(Selection s) {
        Instant from = instant("from", s.from());
        Instant to = instant("to", s.to());
        if (from != null && to != null && from.isAfter(to)) {
            throw new DomainException.Invalid("from (" + from + ") is after to (" + to + ")");
        }
        if (from != null && from.isAfter(Instant.now())) {
            throw new DomainException.Invalid("from (" + from + ") is in the future: no message failed then");
        }
        boolean all = Boolean.TRUE.equals(s.all());
        boolean criteria = s.ids() != null || s.reason() != null || s.route() != null || from != null || to != null;
        if (!all && !criteria) {
            throw new DomainException.Invalid("say which messages to redrive: ids, reason, route, from/to, or all: true");
        }
        if (all && criteria) {
            throw new DomainException.Invalid("all: true selects every message; leave out ids, reason, route, from and to, "
                    + "or leave out all");
        }
        Set<String> ids = s.ids() == null ? null : new HashSet<>(s.ids());
        return letter -> (ids == null || ids.contains(letter.id()))
                && (s.reason() == null || (letter.reason() != null && letter.reason().contains(s.reason())))
                && (s.route() == null || s.route().equals(letter.failedRoute()))
                && (from == null || (letter.failedAt() != null && !letter.failedAt().isBefore(from)))
                && (to == null || (letter.failedAt() != null && letter.failedAt().isBefore(to)));
    }

    private static Instant instant(String field, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new DomainException.Invalid(field + " must be an ISO-8601 instant such as 2026-11-29T10:00:00Z, not " + text);
        }
    }

    private void record(DeadLetters.Source source, List<Letter> letters, String outcome, String actor) {
        try {
            Transactions.inTransaction(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letter_action (source, message_id, outcome, "
                        + "redrive_count, destination, reason, actor, acted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    Timestamp now = Timestamp.from(Instant.now());
                    for (Letter l : letters) {
                        ps.setString(1, source.name());
                        ps.setString(2, l.id());
                        ps.setString(3, outcome);
                        ps.setInt(4, "REDRIVEN".equals(outcome) ? l.redriveCount() + 1 : l.redriveCount());
                        ps.setString(5, "DISCARDED".equals(outcome) ? null : source.redrivesTo());
                        ps.setString(6, l.reason() == null ? null : l.reason().substring(0, Math.min(1000, l.reason().length())));
                        ps.setString(7, actor);
                        ps.setTimestamp(8, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            });
        } catch (SQLException e) {
            // the broker part is done (the message was republished or removed): say loudly that its record is missing
            LOG.error("{} of {} message(s) of {} was done but could not be recorded: {}", outcome, letters.size(),
                    source.name(), e.getMessage());
            throw new DomainException.Unavailable("the database is unreachable; " + letters.size() + " message(s) were "
                    + outcome.toLowerCase() + " but not recorded: " + e.getMessage(), e);
        }
    }

    private static DeadLetterViews.Message view(Letter l) {
        return new DeadLetterViews.Message(l.id(), l.failedAt() == null ? null : l.failedAt().toString(), l.reason(),
                l.failedRoute(), l.attempts(), l.redriveCount(), l.headers(), l.body(), l.bodyBytes(), l.bodyTruncated());
    }
}
