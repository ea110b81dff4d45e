package io.integrationhub.hub.common;

import java.util.EnumSet;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * What a resilience4j breaker's state says about a call that came back through Camel's fallback with
 * neither an answer nor an exception: Camel does not hand resilience4j's refusal to the fallback, so
 * "refused" is told from the breaker itself (a time-out is told by Camel's {@code RESPONSE_TIMED_OUT}).
 */
public final class BreakerStates {

    /** The states in which resilience4j refuses calls: half open once its trial calls are taken. */
    private static final Set<CircuitBreaker.State> REFUSING = EnumSet.of(CircuitBreaker.State.OPEN,
            CircuitBreaker.State.FORCED_OPEN, CircuitBreaker.State.HALF_OPEN);

    private BreakerStates() {
    }

    /** Whether {@code breaker} is in a state that refuses calls: open, forced open (as an operator does) or half open. */
    public static boolean refusing(CircuitBreaker breaker) {
        return breaker != null && REFUSING.contains(breaker.getState());
    }
}
