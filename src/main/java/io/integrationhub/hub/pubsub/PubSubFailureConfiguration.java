package io.integrationhub.hub.pubsub;

import io.integrationhub.hub.common.DeadLetterRouteConfiguration;

/**
 * Route configuration {@value #ID} of the subscribers: a message a subscriber fails on is retried
 * ({@code hub.pubsub.max-attempts} in all), then reported — logged as an error, counted in
 * {@code hub_pubsub_failed_total{subscriber}} and published with the reason to the dead-letter
 * subject — never dropped silently. A message that is not an order is reported at once.
 */
public class PubSubFailureConfiguration extends DeadLetterRouteConfiguration {

    public static final String ID = "pubsub-failures";

    public PubSubFailureConfiguration() {
        super(ID, "direct:pubsub-dead-letter", "hub.pubsub.max-attempts", "100",
                DeliveryLog.InvalidOrderMessageException.class);
    }
}
