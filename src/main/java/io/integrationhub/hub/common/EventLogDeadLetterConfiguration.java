package io.integrationhub.hub.common;

import io.integrationhub.hub.common.DeadLetterRouteConfiguration;

/**
 * Route configuration {@value #ID} of the event-log consumers: a record whose processing fails is
 * retried ({@code hub.eventlog.max-attempts} in all) and then, like a record that is not an event
 * at all, written to {@code <topic>.dlt} with the reason; its offset is committed so the consumer
 * never stalls on it.
 */
public class EventLogDeadLetterConfiguration extends DeadLetterRouteConfiguration {

    public static final String ID = "eventlog-dead-letter";

    public EventLogDeadLetterConfiguration() {
        super(ID, "direct:eventlog-dead-letter", "hub.eventlog.max-attempts", "200", InvalidEventException.class);
    }
}
