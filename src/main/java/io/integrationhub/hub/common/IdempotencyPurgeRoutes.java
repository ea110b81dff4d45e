package io.integrationhub.hub.common;

import org.apache.camel.builder.RouteBuilder;

/** Forgets the Idempotency-Keys older than {@code hub.idempotency.ttl}, hourly, on one instance (lease). */
public class IdempotencyPurgeRoutes extends RouteBuilder {

    @Override
    public void configure() throws Exception {
        from("timer:idempotency-purge?delay=60000&period=3600000")
            .routeId("idempotency-purge")
            .filter(method("leases", "holds('idempotency-purge')"))
            .setBody(method(IdempotentRequests.BEAN, "purgeExpired"))
            .filter(simple("${body} > 0"))
                .log("Forgot ${body} Idempotency-Keys older than {{hub.idempotency.ttl}}")
            .end();
    }
}
