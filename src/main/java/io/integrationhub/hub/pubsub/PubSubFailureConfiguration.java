package io.integrationhub.hub.pubsub;

import io.integrationhub.hub.common.MessagingMetrics;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Route configuration {@value #ID} of the subscribers: a message a subscriber fails on is retried
 * ({@code hub.pubsub.max-attempts} in all), then reported — logged as an error, counted in
 * {@code hub_pubsub_failed_total{subscriber}} and published with the reason to the dead-letter
 * subject — never dropped silently. A message that is not an order is reported at once.
 */
public class PubSubFailureConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "pubsub-failures";

    @Override
    public void configuration() throws Exception {
        int maxAttempts = Integer.parseInt(getContext().resolvePropertyPlaceholders("{{hub.pubsub.max-attempts}}"));

        routeConfiguration(ID)
            .errorHandler(deadLetterChannel("direct:pubsub-dead-letter")
                .useOriginalMessage()
                .maximumRedeliveries(maxAttempts - 1)
                .redeliveryDelay(100)
                .useExponentialBackOff()
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .onRedelivery(MessagingMetrics::retried))
            .onException(DeliveryLog.InvalidOrderMessageException.class)
                .maximumRedeliveries(0)
                .useOriginalMessage()
            .end();
    }
}
