package io.integrationhub.hub.pubsub;

import io.integrationhub.hub.common.DomainException;

import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.pubsub.api.OrderDeliveries;
import io.integrationhub.hub.pubsub.api.OrderPublished;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.support.ExpressionAdapter;

/**
 * Publish–subscribe on NATS: every subscriber receives every message on {@code hub.pubsub.subject}
 * (orders.created), each in its own route and subscription. The subscribers are YAML routes, one
 * file each under {@code routes/pubsub/} (an operator adds one by adding a file, live); the
 * publishing, the dead letters and the deliveries are here.
 * <pre>
 *  POST /api/pubsub/orders ─▶ pubsub-publish-order ─▶ NATS orders.created ─┬▶ pubsub-notifications
 *                          (or any NATS client)                         ├▶ pubsub-audit
 *                                                                       └▶ pubsub-analytics
 *  a subscriber that fails a message (after retries) ─▶ pubsub-dead-letter ─▶ orders.created.dlq
 *                                                      (stream ORDERS_DLQ: /admin/dead-letters)
 *  GET /api/pubsub/orders/{orderId}/deliveries ─▶ pubsub-deliveries (SQL)
 * </pre>
 * Per subscriber (settings its YAML route names): {@code hub.pubsub.<name>.queue-group} shares its work between hub instances (NATS
 * queue group), {@code hub.pubsub.<name>.jetstream=true} makes it a durable JetStream consumer
 * (push, acknowledged), so it gets what was published while it was away.
 */
public class PubSubRoutes extends RouteBuilder {

    /** Exchange property naming the subscriber whose route handles the message. */
    public static final String SUBSCRIBER = "hubSubscriber";

    @Override
    public void configure() throws Exception {
        long maxBody = Long.parseLong(getContext().resolvePropertyPlaceholders("{{hub.pubsub.max-body-bytes}}"));

        // the subscribers are YAML routes, a file each: routes/pubsub/<name>.camel.yaml (route pubsub-<name>)

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/pubsub/orders").tag("publish-subscribe")
                .post().id("pubsub-publish-order")
                    .description("Publish an order on NATS JetStream; every subscriber (routes/pubsub/*.camel.yaml) gets it")
                    .consumes("application/json").produces("application/json")
                    .responseMessage().code(400).message("invalid order (problem+json)").endResponseMessage()
                    .responseMessage().code(503).message("NATS unavailable, nothing published").endResponseMessage()
                    .responseMessage().code(202).message("stored by JetStream (PubAck)").responseModel(OrderPublished.class).endResponseMessage()
                    .to("direct:pubsub-publish-order")
                .get("/{orderId}/deliveries").id("pubsub-deliveries")
                    .description("Which subscribers have processed the order")
                    .produces("application/json").outType(OrderDeliveries.class)
                    .to("direct:pubsub-deliveries");
        }

        from("direct:pubsub-dead-letter")
            .routeId("pubsub-dead-letter")
            .bean("pubSubDeadLetters", "describe")
            // stored in the dead-letter stream (PubAck) before the subscriber's message is acknowledged
            .to("bean:pubSubDeadLetters?method=publish");

        from("direct:pubsub-publish-order")
            .routeId("pubsub-publish-order")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(maxBody))
            .to("json-validator:schema/order-created.json")
            .setProperty("orderId", orderIdOfBody())
            // 202 only once stored (JetStream PubAck), see OrderPublisher
            .bean("orderPublisher", "publish")
            .process(e -> JsonResponses.answer(e, 202, new OrderPublished(e.getProperty("orderId", String.class),
                    e.getContext().resolvePropertyPlaceholders("{{hub.pubsub.subject}}"))));

        from("direct:pubsub-deliveries")
            .routeId("pubsub-deliveries")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                String orderId = e.getIn().getHeader("orderId", String.class);
                DeliveryLog log = e.getContext().getRegistry().lookupByNameAndType("deliveryLog", DeliveryLog.class);
                JsonResponses.answer(e, 200, new OrderDeliveries(orderId, log.subscribersOf(orderId)));
            });
    }

    private static Expression orderIdOfBody() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                try {
                    return DeliveryLog.orderId(exchange.getIn().getBody(byte[].class));
                } catch (DeliveryLog.InvalidOrderMessageException e) {
                    throw new DomainException.Invalid(e.getMessage());
                }
            }
        };
    }


}
