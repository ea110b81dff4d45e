package io.integrationhub.hub.infra;

import java.sql.SQLException;
import java.time.Duration;

import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.common.OnStarted;
import io.integrationhub.hub.common.Outbox;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * The transactional outbox shared by the patterns that publish events (bean {@code outbox}), its relay's
 * settings, and its backlog as gauge {@code hub.outbox.pending} (events written, not yet on Kafka).
 */
public final class OutboxConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        int retentionHours = HubSettings.positiveInt(context, "hub.outbox.retention-hours");
        Outbox outbox = new Outbox(DataSourceConfiguration.dataSource(context), Duration.ofHours(retentionHours));
        context.getRegistry().bind("outbox", outbox);
        OnStarted.once(context, ctx -> {
            MeterRegistry meters = ctx.getRegistry().findSingleByType(MeterRegistry.class);
            if (meters != null) {
                Gauge.builder("hub.outbox.pending", outbox, OutboxConfiguration::pending)
                        .description("events written to the outbox and not yet acknowledged by Kafka").register(meters);
            }
        });
    }

    private static double pending(Outbox outbox) {
        try {
            return outbox.pendingCount();
        } catch (SQLException e) {
            return Double.NaN;
        }
    }
}
