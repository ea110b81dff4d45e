package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import java.time.Duration;

import io.integrationhub.hub.common.Outbox;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** The transactional outbox shared by the patterns that publish events (bean {@code outbox}) and its relay's settings. */
public final class OutboxConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        HubSettings.bool(context, "hub.outbox.relay-enabled");
        HubSettings.positiveInt(context, "hub.outbox.poll-ms");
        HubSettings.positiveInt(context, "hub.outbox.batch-size");
        HubSettings.positiveInt(context, "hub.outbox.max-block-ms");
        HubSettings.positiveInt(context, "hub.outbox.request-timeout-ms");
        HubSettings.positiveInt(context, "hub.outbox.delivery-timeout-ms");
        int retentionHours = HubSettings.positiveInt(context, "hub.outbox.retention-hours");
        context.getRegistry().bind("outbox", new Outbox(DataSourceConfiguration.dataSource(context),
                Duration.ofHours(retentionHours)));
    }
}
