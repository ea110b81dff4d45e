package io.integrationhub.hub.samples;

import java.math.BigDecimal;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Beans behind the stand-in services of {@code routes/samples/} (payment, inventory) and their fault injection. */
public final class SamplesConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        String limit = HubSettings.required(context, "hub.samples.payment.limit");
        BigDecimal paymentLimit;
        try {
            paymentLimit = new BigDecimal(limit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Setting hub.samples.payment.limit must be a decimal amount, not " + limit);
        }
        var dataSource = DataSourceConfiguration.dataSource(context);
        context.getRegistry().bind("samplePayment", new PaymentStandIn(dataSource, paymentLimit));
        context.getRegistry().bind("sampleInventory", new InventoryStandIn(dataSource));
        context.getRegistry().bind("sampleFaults", new SampleFaults());
    }
}
