package io.integrationhub.hub.circuitbreaker;

import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.common.BreakerStates;
import io.integrationhub.hub.common.Headers;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.HubSettings;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.CircuitBreakerConstants;

/**
 * What a failing call through a breaker answers, per breaker ({@code hub.breaker.<name>.fallback}):
 * <ul>
 *   <li>{@code error} (the default): the failure as it is, answered by the route's problem handling
 *       (503 open, 502 refused, 504 too slow);</li>
 *   <li>{@code cached}, for idempotent GETs: the last good answer to the same request (method, path,
 *       query), kept up to {@code cache-ttl} in a bounded cache of {@code cache-size} entries, served
 *       with 200, {@code Age} and {@code X-Hub-Fallback: cached}; none, or too old: the failure as it is;</li>
 *   <li>{@code static}: the configured {@code static-body} ({@code static-content-type}), with
 *       {@code X-Hub-Fallback: static}.</li>
 * </ul>
 * Only reads (GET) get a fallback answer: a stand-in 200 to a write would tell the client it was done.
 * A downstream's refusal (4xx) is its answer, never replaced. A route takes part with two steps
 * around its call, so that the choice is configuration only: {@code bean:breakerFallbacks?method=remember('<name>')}
 * after the call inside the breaker, {@code bean:breakerFallbacks?method=fallback('<name>')} in its
 * {@code onFallback}. Fallbacks served are counted: {@code hub_breaker_fallbacks_total{breaker,kind}}.
 */
public class BreakerFallbacks {

    public static final String BEAN = "breakerFallbacks";
    /** Header of an answer a fallback gave: {@code cached} or {@code static}. */
    public static final String HEADER = "X-Hub-Fallback";
    /** Header of a cached fallback's answer: its age in seconds. */
    public static final String AGE = "Age";
    /** Bean (a step) keeping only an answer's Content-Type, {@link #HEADER} and {@link #AGE} of a message's headers. */
    public static final String ANSWER_HEADERS = "breakerAnswerHeaders";
    private static final String REQUEST_METHOD = HttpProblemRouteConfiguration.REQUEST_METHOD;
    private static final String REQUEST_QUERY = HttpProblemRouteConfiguration.REQUEST_QUERY;
    /** Exchange property: a fallback answered (for routes that go on after it, as the order view's legs). */
    public static final String SERVED = "hubFallbackServed";

    enum Mode { ERROR, CACHED, STATIC }

    /** One breaker's choice. */
    record Policy(Mode mode, Duration ttl, int size, byte[] staticBody, String staticContentType) {
    }

    private record Answer(byte[] body, String contentType, long storedAtNanos) {
    }

    /** The step bound as {@link #ANSWER_HEADERS}. */
    public static Processor answerHeaders() {
        return Headers.keepOnly(Exchange.CONTENT_TYPE, HEADER, AGE);
    }

    private final CamelContext context;
    private final Map<String, Policy> policies = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Answer>> caches = new ConcurrentHashMap<>();

    public BreakerFallbacks(CamelContext context) {
        this.context = context;
    }

    /** Reads and checks the fallback settings of breaker {@code name}: a bad one stops the hub at start. */
    void define(String name) {
        String mode = setting(name, "fallback").trim().toLowerCase(Locale.ROOT);
        Policy policy = switch (mode) {
            case "error" -> new Policy(Mode.ERROR, Duration.ZERO, 0, null, null);
            case "cached" -> new Policy(Mode.CACHED, ttl(name), BreakerConfiguration.setting(context, name, "cache-size"),
                    null, null);
            case "static" -> {
                String body = HubSettings.optional(context, "hub.breaker." + name + ".static-body").orElse("");
                if (body.isEmpty()) {
                    throw new IllegalArgumentException("Setting hub.breaker." + name + ".fallback = static needs "
                            + "hub.breaker." + name + ".static-body (the body to answer)");
                }
                yield new Policy(Mode.STATIC, Duration.ZERO, 0, body.getBytes(StandardCharsets.UTF_8),
                        setting(name, "static-content-type"));
            }
            default -> throw new IllegalArgumentException("Setting hub.breaker." + name + ".fallback = '" + mode
                    + "' must be error, cached or static");
        };
        policies.put(name, policy);
    }

    /** After a successful call: keeps the answer of a GET for breakers whose fallback is {@code cached}. */
    public void remember(String breaker, Exchange exchange) {
        Policy policy = policies.get(breaker);
        if (policy == null || policy.mode() != Mode.CACHED || !isGet(exchange)) {
            return;
        }
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        if (status < 200 || status >= 300) {
            return;
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        // the body may have been a stream, now read: the route goes on with the bytes
        exchange.getMessage().setBody(body);
        caches.computeIfAbsent(breaker, b -> lru(policy.size())).put(key(exchange),
                new Answer(body, exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class), System.nanoTime()));
    }

    /** In a breaker's onFallback: answers from the cache or the static body, or fails as without a fallback. */
    public void fallback(String breaker, Exchange exchange) throws Exception {
        if (!serve(breaker, exchange)) {
            throw failure(breaker, exchange);
        }
    }

    /** As {@link #fallback}, but says in exchange property {@link #SERVED} whether it answered, instead of failing. */
    public void offer(String breaker, Exchange exchange) {
        serve(breaker, exchange);
    }

    private boolean serve(String breaker, Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Policy policy = policies.get(breaker);
        boolean served = false;
        // only reads: a stand-in answer to a write would tell the client it was done
        if (policy != null && isGet(exchange) && !BreakerConfiguration.isRefusal(cause)) {
            if (policy.mode() == Mode.STATIC) {
                answer(exchange, policy.staticBody(), policy.staticContentType(), "static", null);
                served = true;
            } else if (policy.mode() == Mode.CACHED) {
                Map<String, Answer> cache = caches.get(breaker);
                Answer cached = cache == null ? null : cache.get(key(exchange));
                long age = cached == null ? -1 : System.nanoTime() - cached.storedAtNanos();
                if (cached != null && age <= policy.ttl().toNanos()) {
                    answer(exchange, cached.body(), cached.contentType(), "cached", Duration.ofNanos(age).toSeconds());
                    served = true;
                }
            }
        }
        if (served) {
            MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters != null) {
                meters.counter("hub.breaker.fallbacks", "breaker", breaker, "kind",
                        policy.mode().name().toLowerCase(Locale.ROOT)).increment();
            }
        }
        exchange.setProperty(SERVED, served);
        return served;
    }

    private static void answer(Exchange exchange, byte[] body, String contentType, String kind, Long ageSeconds) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        if (contentType != null) {
            message.setHeader(Exchange.CONTENT_TYPE, contentType);
        }
        message.setHeader(HEADER, kind);
        if (ageSeconds != null) {
            message.setHeader(AGE, String.valueOf(ageSeconds));
        }
        message.setBody(body);
    }

    /**
     * The failure the route would have had without a fallback. Camel's fallback is handed the call's
     * exception, but not resilience4j's own refusals: an open breaker or its time limit come with none.
     */
    private Exception failure(String breaker, Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (cause instanceof Exception e) {
            return e;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        if (exchange.getProperty(CircuitBreakerConstants.RESPONSE_TIMED_OUT, false, Boolean.class)) {
            return new TimeoutException("the call through breaker " + breaker + " did not end within its time limit");
        }
        // no exception and no time-out: the breaker refused the call. Open, forced open (resilience4j's
        // transitionToForcedOpenState, as an operator would) or half open with its trial calls taken.
        CircuitBreaker cb = context.getRegistry().lookupByNameAndType(breaker + "Breaker", CircuitBreaker.class);
        if (BreakerStates.refusing(cb)) {
            return CallNotPermittedException.createCallNotPermittedException(cb);
        }
        return new InterruptedIOException("the call through breaker " + breaker + " failed");
    }

    private static boolean isGet(Exchange exchange) {
        String method = exchange.getProperty(REQUEST_METHOD, String.class);
        return method == null || "GET".equalsIgnoreCase(method);
    }

    private static String key(Exchange exchange) {
        String path = exchange.getProperty(HttpProblemRouteConfiguration.REQUEST_PATH, String.class);
        String query = exchange.getProperty(REQUEST_QUERY, String.class);
        if (path == null) {
            path = "";
        }
        // the platform-http request URI may carry the query already
        return path.contains("?") || query == null || query.isEmpty() ? path : path + "?" + query;
    }

    /** Least recently used first out. A JDK map of a few lines: no cache library is on the classpath for this. */
    private static Map<String, Answer> lru(int size) {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
                return size() > size;
            }
        });
    }

    private Duration ttl(String name) {
        String key = HubSettings.optional(context, "hub.breaker." + name + ".cache-ttl").isPresent()
                ? "hub.breaker." + name + ".cache-ttl" : "hub.breaker.default.cache-ttl";
        String value = HubSettings.required(context, key);
        try {
            Duration ttl = Duration.parse(value.trim());
            if (!ttl.isNegative() && !ttl.isZero()) {
                return ttl;
            }
        } catch (DateTimeParseException e) {
            // said below
        }
        throw new IllegalArgumentException("Setting " + key + " = '" + value + "' must be a positive ISO-8601 duration (e.g. PT5M)");
    }

    private String setting(String name, String key) {
        return HubSettings.optional(context, "hub.breaker." + name + "." + key)
                .orElseGet(() -> HubSettings.required(context, "hub.breaker.default." + key));
    }
}
