package io.integrationhub.hub.gateway;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.integrationhub.hub.circuitbreaker.api.Breakers;
import io.integrationhub.hub.common.Bodies;
import io.integrationhub.hub.common.Headers;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.util.ObjectHelper;

/**
 * API gateway routing: {@code /api/gateway/{service}/**} is forwarded to the configured URL of that
 * service ({@code hub.gateway.services}), keeping method, the rest of the path, the query, the body
 * and the end-to-end headers, dropping hop-by-hop ones (RFC 9110 §7.6.1), the caller's API key and
 * its Host; the service's answer (status, body, content type) goes back as it is. Unknown service → 404.
 * <p>
 * And the aggregator {@code GET /api/order-views/{orderId}}: {@code {"order","user","payment"}}, each leg
 * with its own circuit breaker and time limit; a failed or slow leg gives a partial view with
 * {@code "errors":[{"leg","reason"}]} and 200, an unknown order 404.
 */
public class GatewayRoutes extends RouteBuilder {

    private static final String PREFIX = "/api/gateway/";
    private static final String SERVICE = "gatewayService";
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", EdgeSecurity.HEADER.toLowerCase(Locale.ROOT));

    @Override
    public void configure() throws Exception {
        Map<String, String> services = services(HubSettings.optional(getContext(), "hub.gateway.services").orElse(""));

        // every method and path under the prefix: a platform-http route rather than REST DSL, which has
        // no verb for "any method" nor a template for "the rest of the path"; so it is not in the OpenAPI
        // document either (the paths are the services' own; docs/gateway.md describes it)
        from("platform-http:/api/gateway?matchOnUriPrefix=true")
            .routeId("gateway-forward")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            // a 5xx failed its breaker call (so that it counts) but is still the service's answer to pass back
            .onException(ServiceFailed.class)
                .handled(true)
                .process(ServiceFailed::restore)
            .end()
            .process(e -> target(e, services))
            .toD("direct:gateway-forward-${exchangeProperty." + SERVICE + "}")
            .process(GatewayRoutes::dropHopByHop)
            // written at once, not pumped through Vert.x's blocking reads (Bodies)
            .process(Bodies.inMemoryAsByteBuffer());

        // one route per service: each call goes through that service's breaker forward-<service>;
        // open → 503 problem at once (route configuration http-problem), too slow → 504
        for (String service : services.keySet()) {
            Breakers.define(getContext(), Breakers.forwardBreaker(service));
            from("direct:gateway-forward-" + service)
                .routeId("gateway-forward-" + service)
                // failures go back to gateway-forward as they are, to its handlers
                .errorHandler(noErrorHandler())
                .circuitBreaker().configuration(Breakers.eipConfiguration(
                        Breakers.forwardBreaker(service)))
                    // the service's own status is the answer: a 404 or 409 from it is passed on, not turned into 502
                    .to("http://gateway?throwExceptionOnFailure=false")
                    .process(ServiceFailed::throwOnServerError)
                    .to("bean:breakerFallbacks?method=remember('" + Breakers.forwardBreaker(service) + "')")
                // hub.breaker.forward-<service>.fallback: cached / static answer, or the failure as it is
                .onFallback()
                    .to("bean:breakerFallbacks?method=fallback('" + Breakers.forwardBreaker(service) + "')")
                .end();
        }

        // the order view: order and payment are keyed by the order id and asked at once; the user leg
        // needs the order's userId, so it follows them
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/order-views").tag("api gateway")
                .get("/{orderId}").id("gateway-order-view")
                    .description("An order with its payment and its user, from three services asked through their breakers; "
                            + "a leg that fails or is open is named in errors (or served from its fallback), not a 5xx")
                    .produces("application/json")
                    .responseMessage().code(200).message("the view").endResponseMessage()
                    .responseMessage().code(404).message("no such order").endResponseMessage()
                    .to("direct:gateway-order-view");
        }

        from("direct:gateway-order-view")
            .routeId("gateway-order-view")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(Headers.keepOnly("orderId"))
            .process(e -> e.setProperty(OrderViewAggregation.LEGS, new java.util.concurrent.ConcurrentHashMap<>()))
            .multicast(new OrderViewAggregation()).parallelProcessing()
                .to("direct:gateway-leg-order", "direct:gateway-leg-payment")
            .end()
            .setHeader("userId", method(OrderViewLegs.class, "userId"))
            .filter(header("userId").isNotNull())
                .enrich("direct:gateway-leg-user", new OrderViewAggregation())
            .end()
            .process(e -> {
                Map<String, Object> view = OrderViewLegs.view(e);
                JsonResponses.answer(e, 200, view);
                if (view.get("fallbacks") instanceof List<?> fallbacks && fallbacks.get(0) instanceof Map<?, ?> first) {
                    e.getMessage().setHeader("X-Hub-Fallback", first.get("kind"));
                }
            });

        leg("order", "orderId", "{{hub.order-view.order.url}}");
        leg("payment", "orderId", "{{hub.order-view.payment.url}}");
        leg("user", "userId", "{{hub.order-view.user.url}}");
    }

    /** One leg of the order view: a GET through its own breaker and time limit, its outcome as the body. */
    private void leg(String leg, String keyHeader, String url) {
        from("direct:gateway-leg-" + leg)
            .routeId("gateway-leg-" + leg)
            .setProperty("gatewayLeg", constant(leg))
            .setProperty("gatewayKey", header(keyHeader))
            // the hub's own headers are not the service's business
            .removeHeaders("*")
            .setHeader(Exchange.HTTP_METHOD, constant(HttpMethods.GET))
            .setHeader(Exchange.HTTP_URI, simple(url + "/${exchangeProperty.gatewayKey}"))
            .setBody(constant(null))
            .circuitBreaker().configuration(Breakers.eipConfiguration("gateway-" + leg))
                .to("http://order-view-" + leg)
                .to("bean:breakerFallbacks?method=remember('gateway-" + leg + "')")
                .process(OrderViewLegs::answered)
            .onFallback()
                // hub.breaker.gateway-<leg>.fallback: the last good answer of this leg, or a reason instead of a body
                .to("bean:breakerFallbacks?method=offer('gateway-" + leg + "')")
                .choice()
                    .when(exchangeProperty("hubFallbackServed"))
                        .process(OrderViewLegs::answered)
                    .otherwise()
                        .process(OrderViewLegs::failed)
                .end()
            .end();
    }

    private static void target(Exchange exchange, Map<String, String> services) {
        String path = exchange.getIn().getHeader(Exchange.HTTP_PATH, String.class);
        if (path == null || !path.startsWith(PREFIX)) {
            path = exchange.getIn().getHeader(Exchange.HTTP_URI, String.class);
        }
        String rest = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
        int slash = rest.indexOf('/');
        String service = slash < 0 ? rest : rest.substring(0, slash);
        String base = services.get(service);
        if (base == null) {
            throw HttpProblemException.notFound("no service '" + service + "' behind the gateway; services: " + services.keySet());
        }
        dropHopByHop(exchange);
        exchange.setProperty(SERVICE, service);
        exchange.getIn().setHeader(Exchange.HTTP_URI, base + (slash < 0 ? "" : rest.substring(slash)));
        exchange.getIn().removeHeader(Exchange.HTTP_PATH);
    }

    /**
     * A forwarded call the service answered with a 5xx: thrown inside the breaker so that it counts as
     * a failure, carrying the answer so that the client still gets the service's own status and body.
     */
    static final class ServiceFailed extends RuntimeException {

        private final transient Map<String, Object> headers;
        private final transient byte[] body;

        private ServiceFailed(Map<String, Object> headers, byte[] body, int status) {
            super("the service answered HTTP " + status, null, false, false);
            this.headers = headers;
            this.body = body;
        }

        static void throwOnServerError(Exchange exchange) {
            Message answer = exchange.getMessage();
            Integer status = answer.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            if (status != null && status >= 500) {
                throw new ServiceFailed(new LinkedHashMap<>(answer.getHeaders()), answer.getBody(byte[].class), status);
            }
        }

        static void restore(Exchange exchange) {
            Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            ServiceFailed failed = ObjectHelper.getException(ServiceFailed.class, caught);
            Message message = exchange.getMessage();
            message.setHeaders(new LinkedHashMap<>(failed.headers));
            message.setBody(failed.body);
            dropHopByHop(exchange);
        }
    }

    private static void dropHopByHop(Exchange exchange) {
        exchange.getMessage().getHeaders().keySet().removeIf(h -> HOP_BY_HOP.contains(h.toLowerCase(Locale.ROOT)));
    }

    /** {@code name=url,name=url} */
    public static Map<String, String> services(String setting) {
        Map<String, String> services = new LinkedHashMap<>();
        for (String entry : setting.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0 || !(e.startsWith("http://", eq + 1) || e.startsWith("https://", eq + 1))) {
                throw new IllegalArgumentException("Setting hub.gateway.services: each entry is name=http(s)://url, not " + e);
            }
            String url = e.substring(eq + 1);
            services.put(e.substring(0, eq), url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        }
        return services;
    }
}
