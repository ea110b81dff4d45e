package io.integrationhub.hub.saga;

import org.apache.camel.builder.RouteConfigurationBuilder;

/**
 * Route configuration {@value #ID} of the saga's routes: a failure is not retried here (the saga
 * compensates instead) and not logged as an error (an order refused by a service is an outcome,
 * not a fault); its reason goes to the saga log, and the exception stays so the saga compensates.
 */
public class SagaFailureConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "saga-failure";

    @Override
    public void configuration() throws Exception {
        routeConfiguration(ID)
            .onException(Exception.class)
                .logExhausted(false)
                .process(SagaRoutes::recordFailure)
            .end();
    }
}
