package io.integrationhub.hub.common;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;

/**
 * Runs an action once, when the CamelContext has started (the HTTP server and its router exist).
 * Camel calls a {@link StartupListener} again for every route started later (the supervised route
 * controller starts routes after the context), which would mount the same handlers many times.
 */
public final class OnStarted {

    @FunctionalInterface
    public interface Action {
        void run(CamelContext context) throws Exception;
    }

    private OnStarted() {
    }

    public static void once(CamelContext context, Action action) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        context.addStartupListener((ctx, alreadyStarted) -> {
            if (done.compareAndSet(false, true)) {
                action.run(ctx);
            }
        });
    }
}
