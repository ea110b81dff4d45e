package io.integrationhub.hub.common;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * The broker consumers' error handling, one policy for all of them: a failed message is retried
 * with exponential back-off up to a number of attempts in all, then its original form goes to a
 * dead-letter route; a message of the given poison type goes there at once, since no retry can
 * help it. Every retry is counted ({@link MessagingMetrics#retried}). Each pattern names its
 * route configuration id, dead-letter endpoint, attempts setting, first delay and poison type.
 */
public abstract class DeadLetterRouteConfiguration extends RouteConfigurationBuilder {

    private final String id;
    private final String deadLetterUri;
    private final String maxAttemptsSetting;
    private final String firstDelayMs;
    private final Class<? extends Throwable> poison;

    /**
     * @param firstDelayMs delay before the first retry, a number or a {@code {{placeholder}}}
     */
    protected DeadLetterRouteConfiguration(String id, String deadLetterUri, String maxAttemptsSetting,
                                           String firstDelayMs, Class<? extends Throwable> poison) {
        this.id = id;
        this.deadLetterUri = deadLetterUri;
        this.maxAttemptsSetting = maxAttemptsSetting;
        this.firstDelayMs = firstDelayMs;
        this.poison = poison;
    }

    @Override
    public void configuration() throws Exception {
        int maxAttempts = Integer.parseInt(getContext().resolvePropertyPlaceholders("{{" + maxAttemptsSetting + "}}"));
        long delay = Long.parseLong(getContext().resolvePropertyPlaceholders(firstDelayMs));

        routeConfiguration(id)
            .errorHandler(deadLetterChannel(deadLetterUri)
                .useOriginalMessage()
                .maximumRedeliveries(maxAttempts - 1)
                .redeliveryDelay(delay)
                .useExponentialBackOff()
                .backOffMultiplier(2)
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .onRedelivery(MessagingMetrics::retried))
            // the original message, as it came, is what gets dead-lettered
            .onException(poison)
                .maximumRedeliveries(0)
                .useOriginalMessage()
            .end();
    }
}
