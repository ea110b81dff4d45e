package io.integrationhub.hub.recovery;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.DeadLetters.Action;
import io.integrationhub.hub.common.DeadLetters.Letter;
import io.integrationhub.hub.common.DomainException;
import io.integrationhub.hub.recovery.api.DeadLetterViews;
import io.integrationhub.hub.recovery.api.Selection;
import io.integrationhub.hub.testkit.MemoryDatabase;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rules of recovery on a dead-letter source held in memory (the brokers' own sources are tested
 * against RabbitMQ, Kafka and NATS in it.DeadLetterRecoveryTest and it.PubSubTest): paging, the
 * selection, the redrive limit, dry runs, what is recorded.
 */
class DeadLetterRecoveryUnitTest {

    private final InMemorySource source = new InMemorySource();
    private DataSource dataSource;
    private DeadLetterRecovery recovery;

    @BeforeEach
    void setUp() {
        dataSource = MemoryDatabase.migrated();
        DeadLetters sources = new DeadLetters();
        sources.register(source);
        recovery = new DeadLetterRecovery(new DefaultCamelContext(), sources, dataSource, 2, 1000, 16);
        Instant t = Instant.parse("2026-11-29T10:00:00Z");
        source.add(letter("a", t, "disk full", "queue-task-worker", 0));
        source.add(letter("b", t.plusSeconds(60), "connection refused", "queue-task-worker", 1));
        source.add(letter("c", t.plusSeconds(120), "connection refused", "eventlog-user-events", 2));
        source.add(letter("d", t.plusSeconds(180), "disk full", "queue-task-worker", 0));
    }

    @Test
    void shouldPageThroughTheMessagesWithoutTakingAny() {
        DeadLetterViews.Page first = recovery.browse("mem.dlq", "3", null);
        assertThat(first.messages()).extracting(DeadLetterViews.Message::id).containsExactly("a", "b", "c");
        assertThat(first.next()).isEqualTo("c");
        DeadLetterViews.Page second = recovery.browse("mem.dlq", "3", first.next());
        assertThat(second.messages()).extracting(DeadLetterViews.Message::id).containsExactly("d");
        assertThat(second.next()).isNull();
        assertThat(source.waiting()).hasSize(4);
    }

    @Test
    void shouldRedriveWhatMatchesEveryCriterionAndRefuseWhatReachedTheLimit() throws Exception {
        DeadLetterViews.RedriveReport report = recovery.redrive("mem.dlq",
                new Selection(null, "refused", null, "2026-11-29T10:00:30Z", null, null, false), "admin:ada");

        assertThat(report.matched()).isEqualTo(2);
        assertThat(report.ids()).containsExactly("b");
        assertThat(report.refused()).extracting(DeadLetterViews.Refused::id).containsExactly("c");
        assertThat(source.redriven).containsExactly("b");
        assertThat(source.waiting()).extracting(Letter::id).containsExactly("a", "c", "d");
        assertThat(rows("REDRIVEN")).containsExactly("b:2:admin:ada");
        assertThat(rows("REFUSED")).containsExactly("c:2:admin:ada");
    }

    @Test
    void shouldChangeNothingOnADryRun() throws Exception {
        DeadLetterViews.RedriveReport report = recovery.redrive("mem.dlq",
                new Selection(null, null, "queue-task-worker", null, null, null, true), "admin");

        assertThat(report.dryRun()).isTrue();
        assertThat(report.ids()).containsExactly("a", "b", "d");
        assertThat(source.redriven).isEmpty();
        assertThat(source.waiting()).hasSize(4);
        assertThat(rows("REDRIVEN")).isEmpty();
        assertThat(rows("REFUSED")).isEmpty();
    }

    @Test
    void shouldDiscardOneMessageAndRecordIt() throws Exception {
        recovery.discard("mem.dlq", "d", "admin");

        assertThat(source.waiting()).extracting(Letter::id).containsExactly("a", "b", "c");
        assertThat(rows("DISCARDED")).containsExactly("d:0:admin");
        assertThatThrownBy(() -> recovery.discard("mem.dlq", "d", "admin")).isInstanceOf(DomainException.NotFound.class);
    }

    @Test
    void shouldRefuseSelectionsThatSayNothingOrContradictThemselves() {
        assertThatThrownBy(() -> recovery.redrive("mem.dlq", new Selection(null, null, null, null, null, null, true), "admin"))
                .isInstanceOf(DomainException.Invalid.class).hasMessageContaining("say which messages");
        assertThatThrownBy(() -> recovery.redrive("mem.dlq", new Selection(List.of("a"), null, null, null, null, true, null), "admin"))
                .isInstanceOf(DomainException.Invalid.class);
        assertThatThrownBy(() -> recovery.redrive("mem.dlq", new Selection(null, null, null, "2026-11-30T00:00:00Z",
                "2026-11-29T00:00:00Z", null, null), "admin")).isInstanceOf(DomainException.Invalid.class);
        assertThatThrownBy(() -> recovery.browse("mem.dlq", "501", null)).isInstanceOf(DomainException.Invalid.class);
        assertThatThrownBy(() -> recovery.browse("nope", null, null)).isInstanceOf(DomainException.NotFound.class)
                .hasMessageContaining("mem.dlq");
        assertThat(source.redriven).isEmpty();
    }

    private List<String> rows(String outcome) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT message_id, redrive_count, actor FROM dead_letter_action WHERE outcome = '" + outcome
                        + "' ORDER BY action_id")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + ":" + rs.getInt(2) + ":" + rs.getString(3));
            }
        }
        return rows;
    }

    private static Letter letter(String id, Instant at, String reason, String route, int redriven) {
        String body = "{\"id\":\"" + id + "\"}";
        return new Letter(id, at, reason, route, 3, redriven, Map.of(), body, body.length(), false);
    }

    /** A dead-letter destination in a list: what a broker does, without a broker. */
    static final class InMemorySource implements DeadLetters.Source {
        private final List<Letter> letters = new ArrayList<>();
        final List<String> redriven = new ArrayList<>();

        void add(Letter letter) {
            letters.add(letter);
        }

        List<Letter> waiting() {
            return List.copyOf(letters);
        }

        @Override
        public String name() {
            return "mem.dlq";
        }

        @Override
        public String broker() {
            return "memory";
        }

        @Override
        public String redrivesTo() {
            return "memory";
        }

        @Override
        public long depth() {
            return letters.size();
        }

        @Override
        public void walk(int scanLimit, int bodyLimit, DeadLetters.Decider decider, DeadLetters.Done done) {
            for (Letter letter : List.copyOf(letters)) {
                Action action = decider.decide(letter);
                if (action == Action.STOP) {
                    return;
                }
                if (action == Action.REDRIVE || action == Action.DISCARD) {
                    if (action == Action.REDRIVE) {
                        redriven.add(letter.id());
                    }
                    letters.remove(letter);
                    try {
                        done.done(List.of(letter), action);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }
}
