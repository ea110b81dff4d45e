package io.integrationhub.hub.cqrs.query;

import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.EventRecords;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.EventEnvelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What feeds {@code /ws/users} on this instance. The projector shares its consumer group with
 * every instance (each applies the events of its partitions once), so its own record stream
 * would show a WebSocket client only the partitions its instance owns. The feed reads the topic
 * in a consumer group of this instance alone, from the newest record, and hands each event to
 * the sockets once the read model has applied it (whichever instance did) and if it is not older
 * than what the model holds, so a client that queries GraphQL on a frame finds the change. An
 * eventId seen lately is not sent twice (a record the outbox relay sent again after a takeover);
 * an event the projector never applies (dead-lettered) is not sent. Each frame is the event upcast to
 * the current version of its schema (docs/event-schemas.md).
 */
public class UserEventFeed {

    private static final Logger LOG = LoggerFactory.getLogger(UserEventFeed.class);
    private static final int REMEMBERED = 10_000;
    private static final ObjectMapper JSON = Json.MAPPER;

    private final DataSource dataSource;
    private final Duration maxWait;
    private final IntSupplier clients;
    private final Consumer<String> sockets;
    private final Set<String> recent = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    });

    /**
     * @param clients how many clients are connected (none: nothing to wait for)
     * @param sockets sends a frame to every connected client
     */
    public UserEventFeed(DataSource dataSource, Duration maxWait, IntSupplier clients, Consumer<String> sockets) {
        this.dataSource = dataSource;
        this.maxWait = maxWait;
        this.clients = clients;
        this.sockets = sockets;
    }

    /** Sends the event (a Kafka record value) to this instance's clients once it is in the read model. */
    public void forward(String record) throws Exception {
        if (clients.getAsInt() == 0) {
            return; // nobody to tell: no need to wait for the projector
        }
        EventEnvelope event = EventRecords.envelope(record);
        if (!recent.add(event.eventId())) {
            return;
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        // polled by hand: the projector that applies the event may run in another instance, and the
        // database is what they share; a few ms apart at most while the projector keeps up
        Long current;
        while ((current = appliedVersion(event.eventId())) == null) {
            if (System.nanoTime() > deadline) {
                LOG.warn("Event {} not in the read model after {} ms (dead-lettered, or the projector is behind): "
                        + "not sent to the WebSocket clients", event.eventId(), maxWait.toMillis());
                return;
            }
            Thread.sleep(10);
        }
        if (event.data().path("version").asLong(0) >= current) {
            // the event in the current version of its schema, as the projector applied it: a client
            // never sees an older version's shape, even when a replay sends events written long ago
            sockets.accept(JSON.writeValueAsString(event));
        }
    }

    /** The read model's version of the event's user once the event is applied; null before. */
    private Long appliedVersion(String eventId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT v.version FROM user_view_applied a "
                     + "LEFT JOIN user_view v ON v.id = a.user_id WHERE a.event_id = ?")) {
            ps.setString(1, eventId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }
}
