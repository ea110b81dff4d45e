package io.integrationhub.hub.saga;

import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.infra.InstanceRegistry;
import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.apache.camel.saga.InMemorySagaService;


/**
 * Beans of the saga: Camel's in-memory saga service (coordination while the hub runs; the SQL saga
 * log covers restarts), the saga log, and {@code saga-http}, an HTTP client of its own whose
 * timeouts are the step timeout (camel-http sets timeouts per component, not per endpoint).
 */
public final class SagaConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        String topic = HubSettings.required(context, "hub.saga.topic");
        if (!HubSettings.list(context, "hub.eventlog.topics").contains(topic)) {
            throw new IllegalArgumentException("Setting hub.saga.topic (" + topic + ") must be one of hub.eventlog.topics "
                    + HubSettings.list(context, "hub.eventlog.topics") + ", which the hub creates at start");
        }
        int stepTimeout = HubSettings.positiveInt(context, "hub.saga.step-timeout-ms");

        InMemorySagaService sagas = new HubSagaService();
        sagas.setMaxRetryAttempts(HubSettings.positiveInt(context, "hub.saga.compensation-attempts"));
        sagas.setRetryDelayInMilliseconds(1000);
        context.addService(sagas, true, true);

        HttpComponent http = new HttpComponent();
        http.setConnectTimeout(stepTimeout);
        http.setConnectionRequestTimeout(stepTimeout);
        http.setResponseTimeout(stepTimeout);
        http.setSoTimeout(stepTimeout);
        // as the hub's http component (camel.component.http.automaticRetriesDisabled): a step's 503 is the
        // breaker's and the saga's to judge, not repeated after its Retry-After inside the step's time limit
        http.setAutomaticRetriesDisabled(true);
        // trusts what the hub's clients trust (hub.tls.*, TlsConfiguration sets the global parameters;
        // camel-http would use them only for endpoints whose own URI is https:)
        http.setSslContextParameters(context.getSSLContextParameters());
        // the hub's own headers (orderId, the saga's option) stay in the hub; Long-Running-Action goes out
        HttpHeaderFilterStrategy headers = new HttpHeaderFilterStrategy();
        headers.getOutFilter().add("orderid");
        http.setHeaderFilterStrategy(headers);
        context.addComponent("saga-http", http);

        context.getRegistry().bind("sagaLog", new SagaLog(DataSourceConfiguration.dataSource(context), topic,
                InstanceRegistry.instanceId(context),
                context.getRegistry().lookupByNameAndType("instanceRegistry", InstanceRegistry.class).leaseTime()));
        context.getRegistry().bind("sagaOutcomeHandler", new SagaOutcomeHandler());
    }
}
