package io.integrationhub.hub.requestreply;

import hub.users.v1.GetUserRequest;
import hub.users.v1.User;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonResponses;
import io.integrationhub.hub.cqrs.api.UserView;
import org.apache.camel.Exchange;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;
import org.apache.camel.component.grpc.GrpcConstants;

/**
 * Request–reply over gRPC, both ends in the hub.
 * <pre>
 *  gRPC hub.users.v1.UserService (hub.grpc.port) ─▶ requestreply-grpc-server ─▶ CQRS read model
 *  GET /api/users/{id} ─▶ requestreply-user-bridge ─(GetUser, deadline hub.grpc.user-service.deadline-ms)─▶
 *        gRPC at hub.grpc.user-service.target (this hub's own server by default)
 * </pre>
 * The bridge maps the gRPC status to HTTP: NOT_FOUND 404, INVALID_ARGUMENT 400, UNAVAILABLE 503,
 * DEADLINE_EXCEEDED 504, any other 502; all application/problem+json.
 */
public class RequestReplyRoutes extends RouteBuilder {

    @Override
    public void configure() throws Exception {
        from("grpc://{{hub.grpc.host}}:{{hub.grpc.port}}/hub.users.v1.UserService"
                + "?routeControlledStreamObserver=true&synchronous=true"
                + "&maxConcurrentCallsPerConnection={{hub.grpc.max-concurrent-calls-per-connection}}"
                + "&maxMessageSize={{hub.grpc.max-inbound-bytes}}&maxInboundMetadataSize={{hub.grpc.max-inbound-bytes}}")
            .routeId("requestreply-grpc-server")
            .onException(Exception.class)
                .handled(true)
                .process(UserGrpcService::internal)
            .end()
            .choice()
                .when(method(RequestReplyRoutes.class, "isMethod(${header." + GrpcConstants.GRPC_METHOD_NAME_HEADER + "}, 'GetUser')"))
                    .bean("userGrpcService", "getUser")
                .when(method(RequestReplyRoutes.class, "isMethod(${header." + GrpcConstants.GRPC_METHOD_NAME_HEADER + "}, 'ListUsers')"))
                    .bean("userGrpcService", "listUsers")
            .end();

        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/api/users").tag("request-reply")
                .get("/{id}").id("requestreply-user-bridge")
                    .description("A user read through the gRPC UserService (request-reply): HTTP to gRPC and back")
                    .produces("application/json").outType(UserView.class)
                    .responseMessage().code(404).message("NOT_FOUND from gRPC").endResponseMessage()
                    .responseMessage().code(503).message("UNAVAILABLE from gRPC").endResponseMessage()
                    .responseMessage().code(200).message("the user").responseModel(UserView.class).endResponseMessage()
                    .to("direct:requestreply-user-bridge");
        }

        from("direct:requestreply-user-bridge")
            .routeId("requestreply-user-bridge")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .onException(StatusRuntimeException.class)
                .handled(true)
                .process(RequestReplyRoutes::statusToProblem)
            .end()
            .process(e -> e.getIn().setBody(GetUserRequest.newBuilder().setId(e.getIn().getHeader("id", String.class)).build()))
            .to("grpc://{{hub.grpc.user-service.target}}/hub.users.v1.UserService?method=getUser&synchronous=true")
            .process(e -> {
                User user = e.getIn().getBody(User.class);
                JsonResponses.answer(e, 200, new UserView(user.getId(), user.getName(), user.getEmail(),
                        user.getCreatedAt(), user.getUpdatedAt()));
            });
    }

    /** camel-grpc names the call by the stub's Java method ({@code getUser}); compared without case. */
    public static boolean isMethod(String header, String rpc) {
        return header != null && header.equalsIgnoreCase(rpc);
    }

    private static void statusToProblem(Exchange exchange) throws Exception {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        while (caught != null && !(caught instanceof StatusRuntimeException)) {
            caught = caught.getCause();
        }
        Status status = caught == null ? Status.UNKNOWN : ((StatusRuntimeException) caught).getStatus();
        String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        var problem = switch (status.getCode()) {
            case NOT_FOUND -> HttpProblemRouteConfiguration.problem(404, "Not Found", description);
            case INVALID_ARGUMENT -> HttpProblemRouteConfiguration.problem(400, "Bad Request", description);
            case UNAVAILABLE -> HttpProblemRouteConfiguration.problem(503, "Service Unavailable",
                    "the user service is unavailable: " + description);
            case DEADLINE_EXCEEDED -> HttpProblemRouteConfiguration.problem(504, "Gateway Timeout",
                    "the user service did not answer in time");
            default -> HttpProblemRouteConfiguration.problem(502, "Bad Gateway",
                    "the user service failed: " + status.getCode() + " " + description);
        };
        problem.process(exchange);
    }
}
