package io.integrationhub.hub.saga;

import java.util.concurrent.ScheduledExecutorService;

import org.apache.camel.saga.InMemorySagaService;

/**
 * Camel's in-memory saga service, stopped at once: its executor holds the timeout of every saga
 * it ever started (they are not cancelled when a saga ends), and a graceful stop would wait 10 s
 * for them. What it drops on stop is what a crash drops, and the saga log's recovery ends those
 * sagas after the restart.
 */
public class HubSagaService extends InMemorySagaService {

    @Override
    protected void doStop() throws Exception {
        ScheduledExecutorService executor = getExecutorService();
        if (executor != null) {
            getCamelContext().getExecutorServiceManager().shutdownNow(executor);
        }
        super.doStop();
    }
}
