package io.integrationhub.hub.requestreply;

import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import hub.users.v1.GetUserRequest;
import hub.users.v1.ListUsersRequest;
import hub.users.v1.User;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.integrationhub.hub.cqrs.api.UserView;
import io.integrationhub.hub.cqrs.api.UserQueries;
import org.apache.camel.Exchange;
import org.apache.camel.component.grpc.GrpcConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hub.users.v1.UserService} answered from the CQRS read model. The route hands over the
 * call's response observer (camel-grpc's routeControlledStreamObserver), so each answer ends with
 * the right gRPC status rather than the INTERNAL that camel-grpc gives any failed exchange, and
 * ListUsers streams user by user. The client's deadline bounds the database query, and a call
 * whose deadline passed or that the client cancelled is not worked on further.
 */
public class UserGrpcService {

    private static final Logger LOG = LoggerFactory.getLogger(UserGrpcService.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int PAGE = 100;

    private final Supplier<UserQueries> users;
    private final int maxListed;

    public UserGrpcService(UserQueries users, int maxListed) {
        this(() -> users, maxListed);
    }

    /** {@code users} is asked at each call: the read side may be bound after this service. */
    public UserGrpcService(Supplier<UserQueries> users, int maxListed) {
        this.users = users;
        this.maxListed = maxListed;
    }

    private volatile UserQueries resolved;

    private UserQueries users() {
        UserQueries found = resolved;
        if (found == null) {
            found = users.get();
            if (found == null) {
                throw new IllegalStateException("no CQRS read side (UserQueries) in the registry");
            }
            resolved = found;
        }
        return found;
    }

    public void getUser(Exchange exchange) {
        StreamObserver<Object> reply = observer(exchange);
        GetUserRequest request = exchange.getIn().getBody(GetUserRequest.class);
        if (!live(reply)) {
            return;
        }
        String id = request.getId();
        if (!ID.matcher(id).matches()) {
            reply.onError(Status.INVALID_ARGUMENT.withDescription(id.isEmpty() ? "id is empty"
                    : "id must be 1 to 64 of A-Z a-z 0-9 . _ - and start with a letter or digit").asRuntimeException());
            return;
        }
        Optional<UserView> user;
        try {
            user = users().find(id, remaining());
        } catch (SQLException e) {
            unavailable(reply, e);
            return;
        }
        if (user.isEmpty()) {
            reply.onError(Status.NOT_FOUND.withDescription("no user " + id).asRuntimeException());
            return;
        }
        reply.onNext(toProto(user.get()));
        reply.onCompleted();
    }

    public void listUsers(Exchange exchange) {
        StreamObserver<Object> reply = observer(exchange);
        ListUsersRequest request = exchange.getIn().getBody(ListUsersRequest.class);
        if (request.getLimit() < 0) {
            reply.onError(Status.INVALID_ARGUMENT.withDescription("limit must not be negative").asRuntimeException());
            return;
        }
        int limit = request.getLimit() == 0 ? maxListed : Math.min(request.getLimit(), maxListed);
        String after = request.getAfterId().isEmpty() ? null : request.getAfterId();
        int sent = 0;
        try {
            while (sent < limit) {
                if (!live(reply)) {
                    return;
                }
                int wanted = Math.min(PAGE, limit - sent);
                List<UserView> page = users().page(wanted, after, remaining());
                for (UserView user : page) {
                    reply.onNext(toProto(user));
                }
                sent += page.size();
                if (page.size() < wanted) {
                    break;
                }
                after = page.get(page.size() - 1).id();
            }
        } catch (SQLException e) {
            unavailable(reply, e);
            return;
        }
        reply.onCompleted();
    }

    /** For the route's error handler: anything unexpected ends the call with INTERNAL instead of leaving it open. */
    public static void internal(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.warn("gRPC call {} failed: {}", exchange.getIn().getHeader(GrpcConstants.GRPC_METHOD_NAME_HEADER), String.valueOf(cause));
        observer(exchange).onError(Status.INTERNAL.withDescription("the hub failed to answer").asRuntimeException());
    }

    static User toProto(UserView user) {
        return User.newBuilder().setId(user.id()).setName(user.name()).setEmail(user.email())
                .setCreatedAt(user.createdAt()).setUpdatedAt(user.updatedAt()).build();
    }

    /** False (and the call ended) when the client's deadline passed or it cancelled. */
    private static boolean live(StreamObserver<Object> reply) {
        Context context = Context.current();
        if (context.isCancelled()) {
            Deadline deadline = context.getDeadline();
            Status status = deadline != null && deadline.isExpired() ? Status.DEADLINE_EXCEEDED : Status.CANCELLED;
            reply.onError(status.withDescription("the call ended before the hub answered").asRuntimeException());
            return false;
        }
        return true;
    }

    /** Time left before the client's deadline; null when it set none. */
    private static Duration remaining() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null ? null : Duration.ofMillis(Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS)));
    }

    private static void unavailable(StreamObserver<Object> reply, SQLException e) {
        LOG.warn("gRPC UserService cannot read the read model: {}", e.toString());
        reply.onError(Status.UNAVAILABLE.withDescription("the read model is unavailable, try again later").asRuntimeException());
    }

    @SuppressWarnings("unchecked")
    private static StreamObserver<Object> observer(Exchange exchange) {
        return exchange.getProperty(GrpcConstants.GRPC_RESPONSE_OBSERVER, StreamObserver.class);
    }
}
