package io.integrationhub.hub.gateway;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Collects the legs of an order view, whatever order they finish in: each leg's exchange carries
 * its name ({@code gatewayLeg}) and its outcome ({@link OrderViewLegs.Outcome}) in the body; the
 * result is a map leg → outcome, in property {@value #LEGS}, which the route creates before the
 * multicast so that the legs' copies share it.
 */
public class OrderViewAggregation implements AggregationStrategy {

    public static final String LEGS = "orderViewLegs";

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange result = oldExchange == null ? newExchange : oldExchange;
        @SuppressWarnings("unchecked")
        Map<String, OrderViewLegs.Outcome> legs = result.getProperty(LEGS, Map.class);
        if (legs == null) {
            legs = new ConcurrentHashMap<>();
            result.setProperty(LEGS, legs);
        }
        OrderViewLegs.Outcome outcome = newExchange.getIn().getBody(OrderViewLegs.Outcome.class);
        if (outcome != null) {
            legs.put(outcome.leg(), outcome);
        }
        return result;
    }
}
