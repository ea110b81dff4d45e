package io.integrationhub.hub.infra;

import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Base of the checks of an external dependency (database, broker): they count for readiness only,
 * because an outage of a dependency makes the hub unable to serve, not dead — restarting it would
 * not help.
 */
public abstract class DependencyHealthCheck extends AbstractHealthCheck {

    protected DependencyHealthCheck(String id) {
        super("hub", id);
    }

    @Override
    public final boolean isLiveness() {
        return false;
    }
}
