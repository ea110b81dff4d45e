package io.integrationhub.hub.common;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HubSettings;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the HTTP errors that happen before any route runs (no such path, wrong method, body too
 * large, unsupported media type) with {@code application/problem+json} instead of Vert.x's
 * default HTML, so every error a client sees from the hub has the same shape.
 */
public final class HttpErrorResponses implements CamelConfiguration {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Logger LOG = LoggerFactory.getLogger(HttpErrorResponses.class);
    private static final Map<Integer, String> TITLES = Map.of(
            400, "Bad Request",
            404, "Not Found",
            405, "Method Not Allowed",
            413, "Content Too Large",
            415, "Unsupported Media Type");
    private static final Map<Integer, String> DETAILS = Map.of(
            400, "the request could not be read",
            404, "no resource at this path",
            405, "this method is not supported at this path",
            413, "the request body is larger than the hub accepts",
            415, "this content type is not supported at this path");

    @Override
    public void configure(CamelContext context) throws Exception {
        int port = HubSettings.port(context, "camel.server.port");
        // the router exists once the embedded HTTP server has started
        OnStarted.once(context, ctx -> {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(ctx,
                    VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                router = VertxPlatformHttpRouter.lookup(ctx);
            }
            if (router != null) {
                // failures raised before a route runs (body too large, unreadable body)
                router.route().failureHandler(rc -> {
                    if (TITLES.containsKey(rc.statusCode())) {
                        answer(rc, rc.statusCode());
                    } else {
                        if (rc.failure() != null) {
                            LOG.warn("HTTP {} {} failed before reaching a route: {}", rc.request().method(),
                                    rc.request().path(), rc.failure().toString(), rc.failure());
                        }
                        rc.next();
                    }
                });
                // nothing matched: Vert.x would answer from its parent router with HTML, so a last
                // route tells 404 (no such path) from 405 (path exists, other methods)
                VertxPlatformHttpRouter r = router;
                router.route().last().handler(rc -> notMatched(r, rc));
            }
        });
    }

    private static void notMatched(VertxPlatformHttpRouter router, RoutingContext rc) {
        String path = rc.request().path();
        Set<String> allowed = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            if (route != rc.currentRoute() && route.getPath() != null && route.methods() != null
                    && pathMatches(route.getPath(), path)) {
                route.methods().forEach(m -> allowed.add(m.name()));
            }
        }
        if (allowed.isEmpty()) {
            answer(rc, 404);
        } else {
            rc.response().putHeader("Allow", String.join(", ", allowed));
            answer(rc, 405);
        }
    }

    /** Vert.x path templates: {@code :param} matches one segment, a trailing {@code *} anything. */
    static boolean pathMatches(String template, String path) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=/)")) {
            if (part.startsWith("/:")) {
                regex.append("/[^/]+");
            } else if (part.endsWith("*")) {
                regex.append(Pattern.quote(part.substring(0, part.length() - 1))).append(".*");
            } else {
                regex.append(Pattern.quote(part));
            }
        }
        return path.matches(regex + "/?");
    }

    private static void answer(RoutingContext rc, int status) {
        answer(rc, status, TITLES.get(status), DETAILS.get(status));
    }

    /** Answers a problem document straight from a Vert.x handler (for what the hub serves outside Camel routes). */
    public static void answer(RoutingContext rc, int status, String title, String detail) {
        if (rc.response().headWritten()) {
            return;
        }
        try {
            String body = JSON.writeValueAsString(ProblemDetails.of(status, title, detail, rc.request().path())
                    // refused before any route: no span of the hub's own; the caller's trace, when it sent one
                    .withTraceId(TraceIds.fromTraceparent(rc.request().getHeader(TraceIds.TRACEPARENT))));
            rc.response().setStatusCode(status)
                    .putHeader("Content-Type", ProblemDetails.MEDIA_TYPE)
                    .end(body);
        } catch (Exception e) {
            rc.response().setStatusCode(status).end();
        }
    }
}
