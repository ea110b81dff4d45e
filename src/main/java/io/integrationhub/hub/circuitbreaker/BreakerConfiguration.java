package io.integrationhub.hub.circuitbreaker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.integrationhub.hub.common.OnStarted;
import io.integrationhub.hub.common.Bodies;
import io.integrationhub.hub.common.HubSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.model.Resilience4jConfigurationDefinition;

/**
 * The hub's named resilience4j circuit breakers ({@code hub.breakers}), each built from its settings
 * {@code hub.breaker.<name>.*} (falling back to {@code hub.breaker.default.*}) and bound as bean
 * {@code <name>Breaker} for the routes' Circuit Breaker EIP. A downstream's refusal (HTTP 4xx) is
 * an answer, not a fault, and does not count; errors, 5xx, timeouts and slow calls do. Each
 * breaker has a health check showing its state and Micrometer metrics (state, calls by outcome).
 * <p>
 * Besides the breaker, each name gets a Circuit Breaker EIP configuration {@code <name>-breaker}
 * (the breaker, its time limit, and an open breaker failing the exchange with
 * {@code CallNotPermittedException} instead of passing it on untouched), so a route, Java or YAML,
 * only says {@code circuitBreaker: {configuration: service-b-breaker}}. The gateway's forwarding gets
 * one breaker per service behind it, {@code forward-<service>}, without listing them in {@code hub.breakers}.
 * What a failing call answers instead ({@code hub.breaker.<name>.fallback}): {@link BreakerFallbacks}.
 */
public final class BreakerConfiguration implements CamelConfiguration {

    /** Bean name of the thread pool that runs the calls under a breaker's time limit. */
    public static final String TIMEOUT_POOL = "circuitBreakerPool";
    /** Bean name of the hub's resilience4j breaker registry. */
    public static final String REGISTRY = "circuitBreakerRegistry";

    /** The breakers named in {@code hub.breakers}; the gateway defines its own ({@link #define}). */
    public static List<String> names(CamelContext context) {
        return HubSettings.list(context, "hub.breakers");
    }

    /**
     * Defines breaker {@code name} from its settings ({@code hub.breaker.<name>.*}, else the
     * defaults): the resilience4j breaker, the Circuit Breaker EIP configuration
     * {@link #eipConfiguration(String)} and its health check. Patterns whose breakers follow from
     * their own settings (the gateway's, one per service) call it while their routes are built.
     */
    public static void define(CamelContext context, String name) {
        CircuitBreakerRegistry registry = context.getRegistry().lookupByNameAndType(REGISTRY, CircuitBreakerRegistry.class);
        if (registry == null) {
            throw new IllegalStateException("Breaker " + name + " needs the hub's breakers (BreakerConfiguration) configured first");
        }
        int failureRate = setting(context, name, "failure-rate-threshold");
        int slowRate = setting(context, name, "slow-call-rate-threshold");
        if (failureRate > 100 || slowRate > 100) {
            throw new IllegalArgumentException("Settings hub.breaker." + name
                    + ".failure-rate-threshold and .slow-call-rate-threshold are percentages (1-100)");
        }
        int timeout = timeLimit(context, name);
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(failureRate)
                .slowCallRateThreshold(slowRate)
                .slowCallDurationThreshold(Duration.ofMillis(setting(context, name, "slow-call-duration-ms")))
                .slidingWindowSize(setting(context, name, "sliding-window-size"))
                .minimumNumberOfCalls(setting(context, name, "minimum-calls"))
                .waitDurationInOpenState(Duration.ofMillis(setting(context, name, "wait-in-open-ms")))
                .permittedNumberOfCallsInHalfOpenState(setting(context, name, "permitted-calls-in-half-open"))
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .ignoreException(BreakerConfiguration::isRefusal)
                .build();
        CircuitBreaker breaker = registry.circuitBreaker(name, config);
        context.getRegistry().bind(name + "Breaker", breaker);
        Resilience4jConfigurationDefinition eip = new Resilience4jConfigurationDefinition()
                .circuitBreaker(name + "Breaker")
                .throwExceptionWhenHalfOpenOrOpenState(true);
        if (timeout > 0) {
            // the breaker's own time limit: the call runs on TIMEOUT_POOL while the caller waits
            eip.timeoutEnabled(true).timeoutDuration(timeout).timeoutExecutorService(TIMEOUT_POOL);
        } else {
            // no time limit of its own: the call runs in the caller's thread, bounded by its client's
            // timeouts (HTTP: hub.http.connect-timeout-ms, hub.http.read-timeout-ms), and still counted
            eip.timeoutEnabled(false);
        }
        context.getRegistry().bind(eipConfiguration(name), eip);
        context.getRegistry().bind("breaker-" + name + "-health", new BreakerHealthCheck(breaker));
        context.getRegistry().lookupByNameAndType(BreakerFallbacks.BEAN, BreakerFallbacks.class).define(name);
    }

    /** Name of the breaker of the gateway's forwarding to {@code service}. */
    public static String forwardBreaker(String service) {
        return "forward-" + service;
    }

    /** Id of the Circuit Breaker EIP configuration of breaker {@code name}. */
    public static String eipConfiguration(String name) {
        return name + "-breaker";
    }

    /** {@code timeout-ms} of breaker {@code name}: 0 (no time limit of the breaker's own) or more. */
    static int timeLimit(CamelContext context, String name) {
        String own = "hub.breaker." + name + ".timeout-ms";
        String key = HubSettings.optional(context, own).isPresent() ? own : "hub.breaker.default.timeout-ms";
        String value = HubSettings.required(context, key);
        try {
            int ms = Integer.parseInt(value.trim());
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Setting " + key + " = '" + value + "' must be a number of milliseconds, "
                + "or 0 for no time limit of the breaker's own");
    }

    /** The setting {@code hub.breaker.<name>.<key>}, else {@code hub.breaker.default.<key>}. */
    public static int setting(CamelContext context, String name, String key) {
        String own = "hub.breaker." + name + "." + key;
        return HubSettings.optional(context, own).isPresent()
                ? HubSettings.positiveInt(context, own)
                : HubSettings.positiveInt(context, "hub.breaker.default." + key);
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
        // The calls under a time limit run on this pool. Without one, Camel hands them to
        // CompletableFuture.supplyAsync's default executor, which on a machine of 2 cores or fewer is a
        // new thread per call: measured 2.6 ms of CPU per point-to-point request instead of 0.8.
        int threads = HubSettings.positiveInt(context, "hub.breaker.threads");
        ExecutorService pool = context.getExecutorServiceManager().newThreadPool(this, "CircuitBreaker", threads, threads);
        context.getRegistry().bind(TIMEOUT_POOL, pool);
        context.getRegistry().bind(REGISTRY, registry);
        context.getRegistry().bind(BreakerFallbacks.BEAN, new BreakerFallbacks(context));
        // for routes that hand a guarded call's answer back (p2p.camel.yaml): its content type and a fallback's marks
        context.getRegistry().bind(BreakerFallbacks.ANSWER_HEADERS, BreakerFallbacks.answerHeaders());
        context.getRegistry().bind(Bodies.IN_MEMORY, Bodies.inMemoryAsByteBuffer());
        for (String name : names(context)) {
            define(context, name);
        }
        OnStarted.once(context, ctx -> {
            MeterRegistry meters = ctx.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters != null) {
                TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
            }
        });
    }

    /** A 4xx answer anywhere in the cause chain: the service is up and said no. */
    static boolean isRefusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http && http.getStatusCode() >= 400 && http.getStatusCode() < 500) {
                return true;
            }
        }
        return false;
    }
}
