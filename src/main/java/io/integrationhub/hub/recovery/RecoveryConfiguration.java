package io.integrationhub.hub.recovery;

import io.integrationhub.hub.common.DeadLetters;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.infra.DataSourceConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Dead-letter recovery's bean; the sources are registered by the patterns that fill them, in any order. */
public final class RecoveryConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        context.getRegistry().bind(DeadLetterRecovery.BEAN, new DeadLetterRecovery(context, DeadLetters.of(context),
                DataSourceConfiguration.dataSource(context),
                HubSettings.positiveInt(context, "hub.dead-letters.max-redrives"),
                HubSettings.positiveInt(context, "hub.dead-letters.scan-limit"),
                HubSettings.positiveInt(context, "hub.dead-letters.body-limit-bytes")));
    }
}
