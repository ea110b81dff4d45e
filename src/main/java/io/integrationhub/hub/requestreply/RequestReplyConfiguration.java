package io.integrationhub.hub.requestreply;

import io.integrationhub.hub.cqrs.api.UserQueries;
import io.integrationhub.hub.common.HubSettings;
import io.integrationhub.hub.infra.PortNotBoundException;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Beans of the request–reply pattern: the gRPC UserService and the deadline of the calls the hub makes. */
public final class RequestReplyConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        int port = HubSettings.port(context, "hub.grpc.port");
        String host = HubSettings.required(context, "hub.grpc.host");
        // the gRPC server route is not supervised (camel.routecontroller.excludeRoutes): a port it
        // cannot bind stops the start, said in one line here rather than as a route retried forever
        PortNotBoundException.requireFree(host, port, "hub.grpc.port");
        int deadline = HubSettings.positiveInt(context, "hub.grpc.user-service.deadline-ms");
        int maxListed = HubSettings.positiveInt(context, "hub.grpc.list-max-users");
        // the CQRS read side answers; it is looked up at each call, so the patterns need no start order
        context.getRegistry().bind("userGrpcService", new UserGrpcService(
                () -> context.getRegistry().findSingleByType(UserQueries.class), maxListed));
        context.getRegistry().bind("grpcDeadlineInterceptor", new DeadlineClientInterceptor(deadline));
    }
}
