package io.integrationhub.hub.circuitbreaker.api;

import io.integrationhub.hub.circuitbreaker.BreakerConfiguration;
import org.apache.camel.CamelContext;

/**
 * What other patterns use of the hub's named circuit breakers: the id a route's
 * {@code circuitBreaker().configuration(…)} names, and defining a breaker that follows from a
 * pattern's own settings. The breakers themselves are built by {@link BreakerConfiguration}.
 */
public final class Breakers {

    private Breakers() {
    }

    /** Id of the Circuit Breaker EIP configuration of breaker {@code name} ({@code <name>-breaker}). */
    public static String eipConfiguration(String name) {
        return BreakerConfiguration.eipConfiguration(name);
    }

    /** Name of the breaker of the gateway's forwarding to {@code service}. */
    public static String forwardBreaker(String service) {
        return BreakerConfiguration.forwardBreaker(service);
    }

    /** Defines breaker {@code name} from {@code hub.breaker.<name>.*}, else the defaults. */
    public static void define(CamelContext context, String name) {
        BreakerConfiguration.define(context, name);
    }
}
