package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import java.time.Duration;
import java.time.format.DateTimeParseException;

import io.integrationhub.hub.common.IdempotentRequests;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** The {@code Idempotency-Key} store of the creating POSTs (bean {@code idempotentRequests}). */
public final class IdempotencyConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        String ttl = HubSettings.required(context, "hub.idempotency.ttl");
        Duration duration;
        try {
            duration = Duration.parse(ttl);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("hub.idempotency.ttl=" + ttl + " is not an ISO-8601 duration such as PT24H");
        }
        context.getRegistry().bind(IdempotentRequests.BEAN, new IdempotentRequests(DataSourceConfiguration.dataSource(context),
                duration, Duration.ofMillis(HubSettings.positiveInt(context, "hub.idempotency.in-progress-timeout-ms"))));
    }
}
