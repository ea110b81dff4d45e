package io.integrationhub.hub.infra;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.impl.engine.AbstractCamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets camel-platform-http-main add its HTTP endpoints summary notifier once per server. Its startup
 * listener (4.17, {@code MainHttpServerUtil}) adds one (and logs the summary) each time it is called,
 * and Camel calls startup listeners once per route the supervising route controller starts: the hub
 * had 132 of these notifiers, and Camel walks the whole list on every exchange event of every request
 * (with tracing on, that loop was a quarter of the CPU samples of a point-to-point load).
 * <p>
 * Registered before the HTTP servers start, this listener is called before theirs: the first time, it
 * wraps each of theirs so that only its first call goes through (it logs the summary and adds the
 * notifier, which logs it again after each route reload). Wrapping, not removing notifiers afterwards:
 * Camel iterates the live notifier list by index, so shrinking it while exchanges run could fail one.
 */
final class HttpSummaryNotifiers implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSummaryNotifiers.class);
    private static final String SUMMARY_CLASS_PREFIX = "org.apache.camel.component.platform.http.main.MainHttpServerUtil$";
    private final AtomicBoolean wrapped = new AtomicBoolean();

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        if (!wrapped.compareAndSet(false, true)) {
            return;
        }
        List<StartupListener> listeners = startupListeners(context);
        if (listeners == null) {
            return;
        }
        for (int i = 0; i < listeners.size(); i++) {
            StartupListener listener = listeners.get(i);
            if (listener.getClass().getName().startsWith(SUMMARY_CLASS_PREFIX)) {
                listeners.set(i, new Once(listener));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<StartupListener> startupListeners(CamelContext context) {
        try {
            // AbstractCamelContext keeps them behind a protected getter
            Method getter = AbstractCamelContext.class.getDeclaredMethod("getStartupListeners");
            getter.setAccessible(true);
            return (List<StartupListener>) getter.invoke(context);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("Cannot reach the startup listeners ({}); platform-http's summary notifiers stay as they are", e.toString());
            return null;
        }
    }

    /** Passes the first call only: the summary is logged and its notifier added once. */
    private static final class Once implements StartupListener {
        private final StartupListener delegate;
        private final AtomicBoolean first = new AtomicBoolean(true);

        Once(StartupListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) throws Exception {
            if (first.getAndSet(false)) {
                delegate.onCamelContextStarted(context, alreadyStarted);
            }
        }
    }
}
