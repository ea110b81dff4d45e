package io.integrationhub.hub.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * The secured edge, a Vert.x handler in front of every route of the HTTP port. {@code /admin/**}
 * and the console's data ({@code /observe/traces/**}, {@code /observe/console/**}) need the admin key, and is closed (403 naming the setting) while none is set. When API keys are
 * configured, every write under {@code /api/**} needs an {@code X-API-Key} with the right
 * {@code write}, and every call under {@code /api/gateway/**} one with the right {@code gateway};
 * without API keys those stay open (the demo experience). No key → 401, a key without the right → 403.
 * Keys are compared in constant time (SHA-256 digests, {@link MessageDigest#isEqual}, every key
 * compared), so the time of an answer tells nothing of how much of a key was right. Each key has its
 * own rate limit (resilience4j RateLimiter): past it → 429 with {@code Retry-After}. Reads of
 * {@code /api/**}, {@code /users}, {@code /graphql}, health and metrics stay open.
 * Written as a router handler rather than a Camel route policy because it must answer before the
 * body is read and before any route (also the YAML ones an operator adds) runs.
 */
public final class EdgeSecurity {

    public static final String HEADER = "X-API-Key";
    /** The console's data: as /admin/**, closed until an admin key is set (the page itself is open, it holds no data). */
    static final List<String> ADMIN_OBSERVE = List.of("/observe/traces", "/observe/console");
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    /** A key known by its digest only; {@code name} (not the key) names its rate limiter. */
    private record Key(String name, byte[] digest, Set<String> rights) {
    }

    static final String ADMIN_CLOSED = "/admin/** and the console's data are closed until an admin key is set: set hub.security.admin-key "
            + "(environment HUB_SECURITY_ADMIN_KEY, or hub.security.admin-key-file) and send it in " + HEADER;
    private static final String ADMIN = "admin";

    private final List<Key> keys = new ArrayList<>();
    private final boolean apiKeysRequired;
    private final boolean adminOpen;
    private final RateLimiterRegistry limiters;

    /**
     * @param rightsByKey each API key and its rights ({@code write}, {@code gateway}); empty: writes and the gateway open
     * @param adminKey the key of {@code /admin/**}; null: admin paths refused to everyone
     * @param requestsPerSecond requests one key may make per second
     */
    public EdgeSecurity(Map<String, Set<String>> rightsByKey, String adminKey, int requestsPerSecond) {
        int n = 0;
        for (Map.Entry<String, Set<String>> e : rightsByKey.entrySet()) {
            keys.add(new Key("api-key-" + (++n), digest(e.getKey()), Set.copyOf(e.getValue())));
        }
        if (adminKey != null) {
            keys.add(new Key("admin-key", digest(adminKey), Set.of(ADMIN)));
        }
        this.apiKeysRequired = !rightsByKey.isEmpty();
        this.adminOpen = adminKey != null;
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(requestsPerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    public void handle(RoutingContext rc) {
        // the path the router matches routes on (percent-decoded, dot segments removed): checking the raw
        // one let /%61dmin/replay/… reach the admin route unchecked
        String path = rc.normalizedPath();
        String needed = neededRight(path, rc.request().method());
        if (needed == null || (!apiKeysRequired && !ADMIN.equals(needed))) {
            rc.next();
            return;
        }
        if (ADMIN.equals(needed) && !adminOpen) {
            HttpErrorResponses.answer(rc, 403, "Forbidden", ADMIN_CLOSED);
            return;
        }
        String presented = rc.request().getHeader(HEADER);
        if (presented == null || presented.isBlank()) {
            rc.response().putHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
            HttpErrorResponses.answer(rc, 401, "Unauthorized", "this request needs an " + HEADER + " header");
            return;
        }
        Key key = find(presented);
        if (key == null || !key.rights().contains(needed)) {
            HttpErrorResponses.answer(rc, 403, "Forbidden", "this " + HEADER + " does not have the right '" + needed + "'");
            return;
        }
        RateLimiter limiter = limiters.rateLimiter(key.name());
        if (!limiter.acquirePermission()) {
            rc.response().putHeader("Retry-After", "1");
            HttpErrorResponses.answer(rc, 429, "Too Many Requests", "rate limit of this " + HEADER + " reached; retry after 1 s");
            return;
        }
        rc.next();
    }

    /**
     * The key whose digest equals that of {@code presented}, with the rights of every entry it matches
     * (an admin key may also be an API key); or null. Every key is compared, each in constant time.
     */
    private Key find(String presented) {
        byte[] digest = digest(presented);
        String name = null;
        Set<String> rights = new java.util.HashSet<>();
        for (Key key : keys) {
            if (MessageDigest.isEqual(digest, key.digest())) {
                name = name == null ? key.name() : name;
                rights.addAll(key.rights());
            }
        }
        return name == null ? null : new Key(name, digest, rights);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The right a request needs, or null when it is open to anyone. */
    static String neededRight(String path, HttpMethod method) {
        if (path.equals("/admin") || path.startsWith("/admin/")) {
            return ADMIN;
        }
        // what the console shows (traces: ids, URLs, timings of everyone's requests) is an operator's
        for (String observed : ADMIN_OBSERVE) {
            if (path.equals(observed) || path.startsWith(observed + "/")) {
                return ADMIN;
            }
        }
        if (path.startsWith("/api/gateway/")) {
            return "gateway";
        }
        if ((path.startsWith("/api/") || path.equals("/users") || path.startsWith("/users/")) && !READS.contains(method)) {
            return "write";
        }
        return null;
    }
}
