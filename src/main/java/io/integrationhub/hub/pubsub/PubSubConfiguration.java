package io.integrationhub.hub.pubsub;

import javax.sql.DataSource;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.infra.HubSettings;
import io.integrationhub.hub.infra.InstanceRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Beans and settings of the publish–subscribe pattern. */
public final class PubSubConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        HubSettings.required(context, "hub.pubsub.subject");
        HubSettings.required(context, "hub.pubsub.dead-letter-subject");
        HubSettings.required(context, "hub.pubsub.jetstream.stream");
        HubSettings.positiveInt(context, "hub.pubsub.max-attempts");
        HubSettings.positiveInt(context, "hub.pubsub.max-body-bytes");
        for (String name : PubSubRoutes.SUBSCRIBERS) {
            HubSettings.bool(context, "hub.pubsub." + name + ".jetstream");
        }
        DataSource dataSource = DataSourceConfiguration.dataSource(context);
        String instanceId = InstanceRegistry.instanceId(context);
        context.getRegistry().bind("deliveryLog", new DeliveryLog(dataSource, instanceId));
        context.getRegistry().bind("pubSubDeadLetters", new PubSubDeadLetters());
    }
}
