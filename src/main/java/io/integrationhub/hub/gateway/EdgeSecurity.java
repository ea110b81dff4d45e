package io.integrationhub.hub.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * The secured edge, a Vert.x handler in front of every route of the HTTP port: when API keys are
 * configured, every write under {@code /api/**} needs an {@code X-API-Key} with the right
 * {@code write}, every call under {@code /api/gateway/**} one with the right {@code gateway}, and
 * {@code /admin/**} the admin key; no key → 401, a key without the right → 403. Each key has its
 * own rate limit (resilience4j RateLimiter): past it → 429 with {@code Retry-After}. Reads of
 * {@code /api/**}, {@code /users}, {@code /graphql}, health and metrics stay open.
 * Written as a router handler rather than a Camel route policy because it must answer before the
 * body is read and before any route (also the YAML ones an operator adds) runs.
 */
public final class EdgeSecurity {

    public static final String HEADER = "X-API-Key";
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final Map<String, Set<String>> rightsByKey;
    private final String adminKey;
    private final RateLimiterRegistry limiters;

    /**
     * @param rightsByKey each API key and its rights ({@code write}, {@code gateway})
     * @param adminKey the key of {@code /admin/**}; null: admin paths refused to everyone
     * @param requestsPerSecond requests one key may make per second
     */
    public EdgeSecurity(Map<String, Set<String>> rightsByKey, String adminKey, int requestsPerSecond) {
        this.rightsByKey = Map.copyOf(rightsByKey);
        this.adminKey = adminKey;
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(requestsPerSecond)
                .limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO)
                .build());
    }

    public void handle(RoutingContext rc) {
        String path = rc.request().path();
        String needed = neededRight(path, rc.request().method());
        if (needed == null) {
            rc.next();
            return;
        }
        String key = rc.request().getHeader(HEADER);
        if (key == null || key.isBlank()) {
            rc.response().putHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
            HttpErrorResponses.answer(rc, 401, "Unauthorized", "this request needs an " + HEADER + " header");
            return;
        }
        boolean allowed = "admin".equals(needed)
                ? adminKey != null && adminKey.equals(key)
                : rightsByKey.getOrDefault(key, Set.of()).contains(needed);
        if (!allowed) {
            HttpErrorResponses.answer(rc, 403, "Forbidden", "this " + HEADER + " does not have the right '" + needed + "'");
            return;
        }
        RateLimiter limiter = limiters.rateLimiter(key);
        if (!limiter.acquirePermission()) {
            rc.response().putHeader("Retry-After", "1");
            HttpErrorResponses.answer(rc, 429, "Too Many Requests", "rate limit of this " + HEADER + " reached; retry after 1 s");
            return;
        }
        rc.next();
    }

    /** The right a request needs, or null when it is open to anyone. */
    static String neededRight(String path, HttpMethod method) {
        if (path.equals("/admin") || path.startsWith("/admin/")) {
            return "admin";
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
