package io.integrationhub.hub.gateway;

import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.common.BreakerStates;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.DomainException;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CircuitBreakerConstants;
import org.apache.camel.http.base.HttpOperationFailedException;

/** Turns each leg's HTTP answer or failure into an {@link Outcome}, and the outcomes into the order view. */
public final class OrderViewLegs {

    /** One leg's result: the service's JSON, or why there is none. */
    public record Outcome(String leg, JsonNode body, int status, String reason, Map<String, String> fallback) {
        public Outcome(String leg, JsonNode body, int status, String reason) {
            this(leg, body, status, reason, null);
        }

        boolean ok() {
            return body != null;
        }
    }

    private static final ObjectMapper JSON = Json.MAPPER;

    private OrderViewLegs() {
    }

    /** After a leg's call: its JSON (a non-2xx answer comes through the fallback). */
    public static void answered(Exchange exchange) {
        String leg = exchange.getProperty("gatewayLeg", String.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 500, Integer.class);
        String text = exchange.getMessage().getBody(String.class);
        Outcome outcome;
        String fallback = exchange.getMessage().getHeader("X-Hub-Fallback", String.class);
        if (status >= 200 && status < 300) {
            try {
                // a breaker's fallback (hub.breaker.gateway-<leg>.fallback) answered: say so in the view
                outcome = new Outcome(leg, JSON.readTree(text), status, null, fallback == null ? null : Map.of("leg", leg,
                        "kind", fallback, "ageSeconds", exchange.getMessage().getHeader("Age", "0", String.class)));
            } catch (Exception e) {
                outcome = new Outcome(leg, null, 502, "the " + leg + " service answered something else than JSON");
            }
        } else {
            outcome = new Outcome(leg, null, status, "the " + leg + " service answered " + status);
        }
        exchange.getMessage().setBody(outcome);
    }

    /** The fallback of a leg (error status, refused connection, timeout, open breaker): a reason instead of a body. */
    public static void failed(Exchange exchange) {
        String leg = exchange.getProperty("gatewayLeg", String.class);
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException http) {
                exchange.getMessage().setBody(new Outcome(leg, null, http.getStatusCode(),
                        "the " + leg + " service answered " + http.getStatusCode()));
                return;
            }
            if (t instanceof TimeoutException || t instanceof InterruptedIOException) {
                exchange.getMessage().setBody(new Outcome(leg, null, 504, "the " + leg + " service did not answer in time"));
                return;
            }
        }
        // without an exception the call was either cut by the breaker's time limit (Camel says so; its
        // fallback does not hand over resilience4j's TimeoutException) or refused by the breaker (open,
        // forced open, half open with its trial calls taken): the breaker's state tells
        CircuitBreaker breaker = exchange.getContext().getRegistry()
                .lookupByNameAndType("gateway-" + leg + "Breaker", CircuitBreaker.class);
        boolean timedOut = exchange.getProperty(CircuitBreakerConstants.RESPONSE_TIMED_OUT, false, Boolean.class);
        boolean open = cause instanceof CallNotPermittedException
                || (cause == null && !timedOut && BreakerStates.refusing(breaker));
        String reason;
        if (open) {
            reason = "the " + leg + " service is failing; its circuit breaker is open";
        } else if (cause == null || timedOut) {
            reason = "the " + leg + " service did not answer in time";
        } else {
            reason = "the " + leg + " service is unavailable";
        }
        exchange.getMessage().setBody(new Outcome(leg, null, 503, reason));
    }

    /** The user id the user leg needs: from the order, else from the payment. */
    @SuppressWarnings("unchecked")
    public static String userId(Exchange exchange) {
        Map<String, Outcome> legs = exchange.getProperty(OrderViewAggregation.LEGS, Map.class);
        for (String leg : List.of("order", "payment")) {
            Outcome outcome = legs == null ? null : legs.get(leg);
            if (outcome != null && outcome.ok() && outcome.body().hasNonNull("userId")) {
                return outcome.body().get("userId").asText();
            }
        }
        return null;
    }

    /** The view: each leg's JSON (null when missing) and the errors; {@code NotFound} when the order is unknown. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> view(Exchange exchange) {
        Map<String, Outcome> legs = exchange.getProperty(OrderViewAggregation.LEGS, Map.class);
        String orderId = exchange.getIn().getHeader("orderId", String.class);
        Outcome order = legs.get("order");
        if (order != null && order.status() == 404) {
            throw new DomainException.NotFound("no order " + orderId);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        List<Map<String, String>> errors = new ArrayList<>();
        for (String leg : List.of("order", "user", "payment")) {
            Outcome outcome = legs.get(leg);
            view.put(leg, outcome != null && outcome.ok() ? outcome.body() : null);
            if (outcome == null) {
                errors.add(Map.of("leg", leg, "reason", "not asked: the order's user is unknown"));
            } else if (!outcome.ok()) {
                errors.add(Map.of("leg", leg, "reason", outcome.reason()));
            }
        }
        if (!errors.isEmpty()) {
            view.put("errors", errors);
        }
        List<Map<String, String>> fallbacks = legs.values().stream().filter(o -> o.fallback() != null)
                .map(Outcome::fallback).toList();
        if (!fallbacks.isEmpty()) {
            view.put("fallbacks", fallbacks);
        }
        return view;
    }
}
