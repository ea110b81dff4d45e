package io.integrationhub.hub.circuitbreaker;

import java.util.Map;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Health check {@code breaker-<name>}: the breaker's state and figures in the details. It stays UP
 * when the breaker is OPEN: an open breaker is the hub protecting itself from a failing downstream
 * (its callers get a fast, clear answer), not the hub being unable to serve, and a DOWN here would
 * take the whole instance out of a load balancer for one downstream's outage.
 */
public final class BreakerHealthCheck extends AbstractHealthCheck {

    private final CircuitBreaker breaker;

    public BreakerHealthCheck(CircuitBreaker breaker) {
        super("hub", "breaker-" + breaker.getName());
        this.breaker = breaker;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        builder.detail("state", breaker.getState().name())
                .detail("failure.rate", metrics.getFailureRate())
                .detail("slow.call.rate", metrics.getSlowCallRate())
                .detail("buffered.calls", metrics.getNumberOfBufferedCalls())
                .detail("failed.calls", metrics.getNumberOfFailedCalls())
                .detail("slow.calls", metrics.getNumberOfSlowCalls())
                .detail("not.permitted.calls", metrics.getNumberOfNotPermittedCalls())
                .up();
    }
}
