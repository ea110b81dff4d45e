package io.integrationhub.hub.infra;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpErrorResponses;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;

/**
 * The console: {@code /console/} (static HTML, JS and CSS from the jar's {@code console/} folder: no
 * build step, no CDN) and the JSON it reads, {@code GET /observe/console/overview}: the routes grouped
 * by pattern with their exchange and failure counts and where they come from (a Java class or a YAML
 * file), the circuit breakers' states, the hub's gauges (queue and dead-letter depths, outbox backlog,
 * consumer lag), and the YAML reload history. Traces: {@link TraceEndpoints}. Everything is read from
 * what the hub already keeps (Camel's routes, Micrometer's meters, resilience4j's registry), through
 * their own types only, so the console knows no pattern. Vert.x handlers: looking must not make traces.
 * The page is open (it holds no data); the JSON needs the admin key (EdgeSecurity).
 */
final class ConsoleEndpoints {

    private static final ObjectMapper JSON = Json.MAPPER;

    private final CamelContext context;

    ConsoleEndpoints(CamelContext context) {
        this.context = context;
    }

    void mount(Router router) {
        // Vert.x matches "/console" to "/console/" too: only the bare path is sent on to the page
        router.route(HttpMethod.GET, "/console").handler(rc -> {
            if (rc.request().path().equals("/console")) {
                rc.redirect("/console/");
            } else {
                rc.next();
            }
        });
        router.route("/console/*").handler(StaticHandler.create("console").setCachingEnabled(false)
                .setDirectoryListing(false).setIndexPage("index.html"));
        router.route(HttpMethod.GET, "/observe/console/overview").handler(this::overview);
    }

    private void overview(RoutingContext rc) {
        try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("hub", Map.of("name", context.getName(), "camel", context.getVersion(),
                    "uptimeMillis", ManagementFactory.getRuntimeMXBean().getUptime()));
            MeterRegistry meters = context.getRegistry().findSingleByType(MeterRegistry.class);
            body.put("routes", routes(meters));
            body.put("breakers", breakers());
            body.put("gauges", gauges(meters));
            HubRouteReloadStrategy reloads = context.getRegistry().lookupByNameAndType("routeReloadStrategy",
                    HubRouteReloadStrategy.class);
            body.put("reloads", reloads == null ? List.of() : reloads.history());
            body.put("reloadEnabled", reloads != null);
            rc.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                    .end(JSON.writeValueAsString(body));
        } catch (Exception e) {
            HttpErrorResponses.answer(rc, 500, "Internal Server Error", "the console overview failed: " + e.getClass().getSimpleName());
        }
    }

    /** A route as the console lists it; {@code pattern} is its id's first word (queue, cqrs, saga…). */
    record RouteRow(String id, String pattern, String source, String status, long exchanges, long failures) {
    }

    private List<RouteRow> routes(MeterRegistry meters) {
        List<RouteRow> rows = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            String id = route.getRouteId();
            int dash = id.indexOf('-');
            String source = route.getSourceLocationShort() != null ? route.getSourceLocationShort() : route.getSourceResource() == null
                    ? "Java" : route.getSourceResource().getLocation();
            rows.add(new RouteRow(id, dash > 0 ? id.substring(0, dash) : id, source,
                    context.getRouteController().getRouteStatus(id).name(),
                    count(meters, "camel.exchanges.total", id), count(meters, "camel.exchanges.failed", id)));
        }
        rows.sort(Comparator.comparing(RouteRow::pattern).thenComparing(RouteRow::id));
        return rows;
    }

    private static long count(MeterRegistry meters, String name, String routeId) {
        if (meters == null) {
            return 0;
        }
        Counter counter = meters.find(name).tag("routeId", routeId).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    record BreakerRow(String name, String state, float failureRate, int bufferedCalls, long notPermittedCalls) {
    }

    private List<BreakerRow> breakers() {
        CircuitBreakerRegistry registry = context.getRegistry().findSingleByType(CircuitBreakerRegistry.class);
        if (registry == null) {
            return List.of();
        }
        List<BreakerRow> rows = new ArrayList<>();
        for (CircuitBreaker breaker : registry.getAllCircuitBreakers()) {
            CircuitBreaker.Metrics m = breaker.getMetrics();
            rows.add(new BreakerRow(breaker.getName(), breaker.getState().name(), m.getFailureRate(),
                    m.getNumberOfBufferedCalls(), m.getNumberOfNotPermittedCalls()));
        }
        rows.sort(Comparator.comparing(BreakerRow::name));
        return rows;
    }

    record GaugeRow(String name, Map<String, String> tags, double value) {
    }

    /** Every gauge of the hub's own ({@code hub.*}): depths, backlog, lag, clients. */
    private static List<GaugeRow> gauges(MeterRegistry meters) {
        if (meters == null) {
            return List.of();
        }
        List<GaugeRow> rows = new ArrayList<>();
        for (Meter meter : meters.getMeters()) {
            if (meter instanceof Gauge gauge && meter.getId().getName().startsWith("hub.")) {
                Map<String, String> tags = new TreeMap<>();
                meter.getId().getTags().forEach(t -> tags.put(t.getKey(), t.getValue()));
                rows.add(new GaugeRow(meter.getId().getName(), tags, gauge.value()));
            }
        }
        rows.sort(Comparator.comparing(GaugeRow::name).thenComparing(r -> r.tags().toString()));
        return rows;
    }
}
