package io.integrationhub.hub.infra;

import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The traces the hub keeps ({@link SpanStore}), as JSON for the console and for scripts:
 * <ul>
 *   <li>{@code GET /observe/traces?q=<text>&limit=<n>}: the newest traces whose trace id is {@code q} or
 *   whose spans mention it (an order id, a task id, a user id, a topic); without {@code q} the newest;</li>
 *   <li>{@code GET /observe/traces/{traceId}}: its spans, earliest first (404 when not, or no longer, kept).</li>
 * </ul>
 * Vert.x handlers rather than Camel routes: reading the traces must not make traces. Behind the admin
 * key (EdgeSecurity).
 */
final class TraceEndpoints {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final int MAX_LIMIT = 200;

    private final SpanStore store;

    /** @param store null when tracing is off: both answer 404 saying so */
    TraceEndpoints(SpanStore store) {
        this.store = store;
    }

    void mount(Router router) {
        router.route(HttpMethod.GET, "/observe/traces").handler(this::find);
        router.route(HttpMethod.GET, "/observe/traces/:traceId").handler(this::trace);
    }

    private void find(RoutingContext rc) {
        if (store == null) {
            off(rc);
            return;
        }
        String q = rc.request().getParam("q");
        int limit;
        try {
            limit = Integer.parseInt(rc.request().getParam("limit", "20"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            HttpErrorResponses.answer(rc, 400, "Bad Request", "limit must be a whole number from 1 to " + MAX_LIMIT);
            return;
        }
        answer(rc, Map.of("query", q == null ? "" : q, "traces", store.find(q == null ? null : q.trim(), limit)));
    }

    private void trace(RoutingContext rc) {
        if (store == null) {
            off(rc);
            return;
        }
        String id = rc.pathParam("traceId");
        if (!TRACE_ID.matcher(id).matches()) {
            HttpErrorResponses.answer(rc, 400, "Bad Request", "a trace id is 32 lower-case hex digits");
            return;
        }
        var spans = store.trace(id);
        if (spans.isEmpty()) {
            HttpErrorResponses.answer(rc, 404, "Not Found", "trace " + id + " is not kept (not sampled, or older "
                    + "than the newest hub.tracing.max-spans spans)");
            return;
        }
        answer(rc, Map.of("traceId", id, "spans", spans));
    }

    private static void off(RoutingContext rc) {
        HttpErrorResponses.answer(rc, 404, "Not Found", "tracing is off: set hub.tracing.enabled=true");
    }

    private static void answer(RoutingContext rc, Object body) {
        try {
            rc.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                    .end(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            HttpErrorResponses.answer(rc, 500, "Internal Server Error", "could not write the traces");
        }
    }
}
