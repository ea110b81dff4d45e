package io.integrationhub.hub;

import io.integrationhub.hub.HubRuntime;
import io.integrationhub.hub.infra.StartFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the runnable jar: builds the hub's Camel Main and runs it until SIGTERM. */
public final class HubApplication {

    private static final Logger LOG = LoggerFactory.getLogger(HubApplication.class);

    private HubApplication() {
    }

    public static void main(String[] args) {
        int exitCode;
        try {
            exitCode = HubRuntime.create(args).runHub();
        } catch (Throwable e) {
            // one line an operator can act on (which file, port or setting, and why); the stack
            // trace only for those who ask for it (log level DEBUG of this class)
            LOG.error("The hub did not start: {}", StartFailure.reason(e));
            LOG.debug("Start failure", e);
            exitCode = 1;
        }
        System.exit(exitCode);
    }
}
