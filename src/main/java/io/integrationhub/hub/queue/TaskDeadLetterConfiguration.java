package io.integrationhub.hub.queue;

import io.integrationhub.hub.common.MessagingMetrics;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Route configuration {@value #ID} of the task workers: a failed attempt is retried with
 * exponential back-off up to {@code hub.tasks.max-attempts} attempts in all, then the original
 * message goes to the dead-letter route; a poison message goes there at once. The message is
 * acknowledged only after it was either processed or dead-lettered, so none is lost and none loops.
 */
public class TaskDeadLetterConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "queue-dead-letter";

    @Override
    public void configuration() throws Exception {
        int maxAttempts = Integer.parseInt(getContext().resolvePropertyPlaceholders("{{hub.tasks.max-attempts}}"));
        long delay = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.tasks.retry-delay-ms}}"));

        routeConfiguration(ID)
            .errorHandler(deadLetterChannel("direct:queue-task-dead-letter")
                .useOriginalMessage()
                .maximumRedeliveries(maxAttempts - 1)
                .redeliveryDelay(delay)
                .useExponentialBackOff()
                .backOffMultiplier(2)
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .onRedelivery(MessagingMetrics::retried))
            // no retry can help a poison message; the original bytes are dead-lettered as they came
            .onException(PoisonTaskException.class)
                .maximumRedeliveries(0)
                .useOriginalMessage()
            .end();
    }
}
