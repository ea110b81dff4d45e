package io.integrationhub.hub.samples;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Beans behind the stand-in services of {@code routes/samples/} (the inventory's transactional writes) and their fault injection. */
public final class SamplesConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        // the payment stand-in is SQL in its YAML route (hub.samples.payment.limit is checked as a decimal by HubSettings)
        var dataSource = DataSourceConfiguration.dataSource(context);
        context.getRegistry().bind("sampleInventory", new InventoryStandIn(dataSource));
        context.getRegistry().bind("sampleFaults", new SampleFaults());
    }
}
