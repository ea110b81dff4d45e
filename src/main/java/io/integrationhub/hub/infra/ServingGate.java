package io.integrationhub.hub.infra;

import java.util.concurrent.atomic.AtomicReference;

import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * The first handler of the HTTP router: until the hub has started all its routes, and again from
 * the moment it is asked to stop, API requests get {@code 503} problem+json with
 * {@code Retry-After} (never the 404 of a router with no routes yet). Requests already past the
 * gate finish normally during a graceful stop. {@code /observe/**} (health, metrics) always passes,
 * so readiness can tell a load balancer what is going on.
 */
public final class ServingGate implements Handler<RoutingContext> {

    private enum State { STARTING, SERVING, STOPPING }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private volatile CamelContext started;

    @Override
    public void handle(RoutingContext rc) {
        State now = state.get();
        // the supervising route controller starts the routes after the context says it started
        if (now == State.STARTING && started != null && !started.getRouteController().isStartingRoutes()
                && state.compareAndSet(State.STARTING, State.SERVING)) {
            now = State.SERVING;
        }
        if (now == State.SERVING || rc.normalizedPath().startsWith("/observe/")) {
            rc.next();
            return;
        }
        rc.response().putHeader("Retry-After", now == State.STARTING ? "1" : "5");
        rc.response().putHeader("Connection", "close");
        HttpErrorResponses.answer(rc, 503, "Service Unavailable",
                now == State.STARTING ? "the hub is starting; retry shortly" : "the hub is stopping; retry on another instance");
    }

    /** Opens the gate once the CamelContext and its first start of the routes are done; closes it when stopping begins. */
    public EventNotifierSupport lifecycle() {
        return new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStartedEvent started) {
                    ServingGate.this.started = started.getContext();
                } else if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    state.set(State.STOPPING);
                }
            }

            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.CamelContextStartedEvent
                        || event instanceof CamelEvent.CamelContextStoppingEvent;
            }

            @Override
            protected void doInit() {
                setIgnoreExchangeEvents(true);
                setIgnoreRouteEvents(true);
                setIgnoreServiceEvents(true);
                setIgnoreStepEvents(true);
            }
        };
    }
}
