package io.integrationhub.hub.eventlog;

import io.integrationhub.hub.common.MessagingMetrics;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Route configuration {@value #ID} of the event-log consumers: a record whose processing fails is
 * retried ({@code hub.eventlog.max-attempts} in all) and then, like a record that is not an event
 * at all, written to {@code <topic>.dlt} with the reason; its offset is committed so the consumer
 * never stalls on it.
 */
public class EventLogDeadLetterConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "eventlog-dead-letter";

    @Override
    public void configuration() throws Exception {
        int maxAttempts = Integer.parseInt(getContext().resolvePropertyPlaceholders("{{hub.eventlog.max-attempts}}"));

        routeConfiguration(ID)
            .errorHandler(deadLetterChannel("direct:eventlog-dead-letter")
                .useOriginalMessage()
                .maximumRedeliveries(maxAttempts - 1)
                .redeliveryDelay(200)
                .useExponentialBackOff()
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .onRedelivery(MessagingMetrics::retried))
            .onException(InvalidEventException.class)
                .maximumRedeliveries(0)
                .useOriginalMessage()
            .end();
    }
}
