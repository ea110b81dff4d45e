package io.integrationhub.hub.infra;

import java.util.concurrent.atomic.AtomicInteger;

import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Third handler of the HTTP router: at most {@code hub.http.max-in-flight} API requests are worked
 * on at once; one more is answered {@code 503} problem+json with {@code Retry-After: 1} at once,
 * on the event loop, instead of waiting without bound in the worker pool's queue (and holding its
 * body in memory) while clients time out. {@code /observe/**} is never limited, so liveness and
 * readiness answer under any load; nor are WebSockets ({@code /ws/**}), which have their own limit. Written by hand: Vert.x Web has no concurrency limit handler.
 */
public final class AdmissionLimit implements Handler<RoutingContext> {

    private volatile int max = Integer.MAX_VALUE;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Set from {@code hub.http.max-in-flight} once the settings are read, before the port opens. */
    public void setMax(int max) {
        this.max = max;
    }

    @Override
    public void handle(RoutingContext rc) {
        // a WebSocket holds its request for as long as it is open: limited by hub.cqrs.websocket.max-clients instead
        if (rc.normalizedPath().startsWith("/observe/") || rc.normalizedPath().startsWith("/ws/")) {
            rc.next();
            return;
        }
        int limit = max;
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            rc.response().putHeader("Retry-After", "1");
            HttpErrorResponses.answer(rc, 503, "Service Unavailable", "the hub is working on " + limit
                    + " requests already (hub.http.max-in-flight); retry shortly");
            return;
        }
        rc.addEndHandler(done -> inFlight.decrementAndGet());
        rc.next();
    }

    /** Requests being worked on now, for the metrics. */
    public int inFlight() {
        return inFlight.get();
    }
}
