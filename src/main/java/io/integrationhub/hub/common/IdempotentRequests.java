package io.integrationhub.hub.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.camel.Exchange;

/**
 * {@code Idempotency-Key} on the creating POSTs ({@code /users}, {@code /api/tasks},
 * {@code /api/orders}, {@code /api/events/{topic}}), kept in SQL (table {@code idempotency_key}) so
 * every instance sees it: {@link #claim} at the start of the route, {@link #remember} as its last
 * step. A retry with the same key and the same body gets the first 2xx answer again (header
 * {@code Idempotent-Replayed: true}) and creates nothing; the same key with another body is refused
 * with 422; a retry while the first is still running gets 409. A request that failed (any problem
 * answer) frees its key, so the retry runs. After {@code hub.idempotency.ttl} a key is forgotten.
 * <p>
 * The claim and the answer are two commits around the route's own: a crash between the route's
 * commit and {@link #remember} leaves a claim without an answer, which a retry after
 * {@code hub.idempotency.in-progress-timeout-ms} takes over and runs again (the one case of a
 * second effect, stated in docs/reliability.md).
 */
public class IdempotentRequests {

    public static final String BEAN = "idempotentRequests";
    public static final String HEADER = "Idempotency-Key";
    private static final String CLAIM = "hubIdempotencyClaim";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,200}");

    private final DataSource dataSource;
    private final Duration ttl;
    private final Duration inProgressTimeout;

    public IdempotentRequests(DataSource dataSource, Duration ttl, Duration inProgressTimeout) {
        this.dataSource = dataSource;
        this.ttl = ttl;
        this.inProgressTimeout = inProgressTimeout;
    }

    private record Claim(String scope, String key) {
    }

    /** First step after the body is read: claims the key, or answers the stored answer and stops the route. */
    public void claim(Exchange exchange) throws Exception {
        String key = exchange.getIn().getHeader(HEADER, String.class);
        if (key == null) {
            return;
        }
        if (!KEY.matcher(key).matches()) {
            throw new HttpProblemException(400, "Bad Request",
                    "Idempotency-Key must be 1 to 200 visible ASCII characters");
        }
        String scope = exchange.getFromRouteId();
        String hash = hash(exchange.getIn().getHeader(Exchange.HTTP_URI, String.class), exchange.getIn().getBody(byte[].class));
        Instant now = Instant.now();
        boolean replayed;
        try {
            replayed = Transactions.inTransaction(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT request_hash, status, location, body, created_at "
                        + "FROM idempotency_key WHERE scope = ? AND idem_key = ? FOR UPDATE")) {
                    ps.setString(1, scope);
                    ps.setString(2, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            Instant created = rs.getTimestamp(5).toInstant();
                            boolean expired = created.isBefore(now.minus(ttl));
                            boolean abandoned = rs.getObject(2) == null && created.isBefore(now.minus(inProgressTimeout));
                            if (!expired && !abandoned) {
                                if (!rs.getString(1).equals(hash)) {
                                    throw new HttpProblemException(422, "Unprocessable Content", "this Idempotency-Key "
                                            + "was used with another request body; use a new key for a new request");
                                }
                                if (rs.getObject(2) == null) {
                                    throw new HttpProblemException(409, "Conflict", "a request with this "
                                            + "Idempotency-Key is still being processed; retry shortly");
                                }
                                replay(exchange, rs.getInt(2), rs.getString(3), rs.getString(4));
                                return true;
                            }
                            delete(c, scope, key);
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO idempotency_key (scope, idem_key, "
                        + "request_hash, created_at) VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, scope);
                    ps.setString(2, key);
                    ps.setString(3, hash);
                    ps.setTimestamp(4, Timestamp.from(now));
                    ps.executeUpdate();
                }
                return false;
            });
        } catch (SQLException e) {
            if (Transactions.isIntegrityViolation(e)) {
                throw new HttpProblemException(409, "Conflict",
                        "a request with this Idempotency-Key is still being processed; retry shortly");
            }
            throw e;
        }
        if (replayed) {
            return;
        }
        exchange.setProperty(CLAIM, new Claim(scope, key));
    }

    /**
     * An id derived from the request's Idempotency-Key (the same for every retry with that key), or
     * empty without a key. A route that hands work to a broker before its last commit names the work
     * with it, so a retry after a failure between the two hands over the same work again, which the
     * consumer applies once, rather than a second piece of work.
     */
    public static java.util.Optional<String> stableId(Exchange exchange) {
        Claim claim = exchange.getProperty(CLAIM, Claim.class);
        return claim == null ? java.util.Optional.empty() : java.util.Optional.of(java.util.UUID.nameUUIDFromBytes(
                (claim.scope() + "\n" + claim.key()).getBytes(StandardCharsets.UTF_8)).toString());
    }

    /** Last step of the route: keeps its 2xx answer for the key's retries. */
    public void remember(Exchange exchange) throws Exception {
        if (exchange.getProperty(CLAIM, Claim.class) == null) {
            return;
        }
        var message = exchange.getMessage();
        try (Connection c = dataSource.getConnection()) {
            rememberWith(c, exchange, message.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class),
                    message.getHeader("Location", String.class), message.getBody(String.class));
        }
        exchange.removeProperty(CLAIM);
    }

    /**
     * Stores the answer for the request's key on {@code c}, inside the request's own transaction, so
     * that the effect and its stored answer commit together: a hub that dies right after the commit
     * still answers the retry with this answer. After the commit, call {@link #rememberedWithWrite}.
     */
    public static void rememberWith(Connection c, Exchange exchange, int status, String location, String body)
            throws SQLException {
        Claim claim = exchange.getProperty(CLAIM, Claim.class);
        if (claim == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE idempotency_key SET status = ?, location = ?, body = ?, "
                + "completed_at = ? WHERE scope = ? AND idem_key = ?")) {
            ps.setInt(1, status);
            ps.setString(2, location);
            ps.setString(3, body);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.setString(5, claim.scope());
            ps.setString(6, claim.key());
            ps.executeUpdate();
        }
    }

    /** The transaction holding {@link #rememberWith} committed: nothing is left to store, nor to free on a later failure. */
    public static void rememberedWithWrite(Exchange exchange) {
        exchange.removeProperty(CLAIM);
    }

    /** A problem answered instead: the request took no effect, its key is free for the retry. */
    public static void release(Exchange exchange) {
        Claim claim = exchange.getProperty(CLAIM, Claim.class);
        IdempotentRequests requests = exchange.getContext().getRegistry().lookupByNameAndType(BEAN, IdempotentRequests.class);
        if (claim == null || requests == null) {
            return;
        }
        exchange.removeProperty(CLAIM);
        try (Connection c = requests.dataSource.getConnection()) {
            delete(c, claim.scope(), claim.key());
        } catch (SQLException e) {
            // the key then stays claimed until hub.idempotency.in-progress-timeout-ms: a retry gets 409 until then
            org.slf4j.LoggerFactory.getLogger(IdempotentRequests.class)
                    .warn("Could not free Idempotency-Key {}: {}", claim.key(), e.getMessage());
        }
    }

    /** Deletes the keys older than the TTL; returns how many. */
    public int purgeExpired() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_key WHERE created_at < ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now().minus(ttl)));
            return ps.executeUpdate();
        }
    }

    private static void replay(Exchange exchange, int status, String location, String body) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Idempotent-Replayed", "true");
        if (location != null) {
            message.setHeader("Location", location);
        }
        message.setBody(body);
        exchange.setRouteStop(true);
    }

    private static void delete(Connection c, String scope, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_key WHERE scope = ? AND idem_key = ?")) {
            ps.setString(1, scope);
            ps.setString(2, key);
            ps.executeUpdate();
        }
    }

    private static String hash(String path, byte[] body) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(String.valueOf(path).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        return HexFormat.of().formatHex(digest.digest(body == null ? new byte[0] : body));
    }
}
