package io.integrationhub.hub.requestreply;

import java.util.ArrayList;
import java.util.List;

import hub.users.v1.GetUserRequest;
import hub.users.v1.ListUsersRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.integrationhub.hub.cqrs.query.UserReadModel;
import org.apache.camel.Exchange;
import org.apache.camel.component.grpc.GrpcConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gRPC service's answer when its database cannot be reached (a real H2 data source pointing
 * at a database that does not exist): UNAVAILABLE, never a hang or INTERNAL. The service against
 * a running hub: {@code it.GrpcUserServiceTest}.
 */
class UserGrpcServiceTest {

    private final UserGrpcService service = new UserGrpcService(new UserReadModel(unreachableDatabase()), 10);

    @Test
    void shouldAnswerUnavailableWhenTheDatabaseIsDown() {
        Recorder reply = new Recorder();

        service.getUser(exchange(GetUserRequest.newBuilder().setId("u-1").build(), reply));

        assertThat(reply.error).isNotNull();
        assertThat(Status.fromThrowable(reply.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(reply.values).isEmpty();
    }

    @Test
    void shouldEndAStreamWithUnavailableWhenTheDatabaseIsDown() {
        Recorder reply = new Recorder();

        service.listUsers(exchange(ListUsersRequest.newBuilder().setLimit(5).build(), reply));

        assertThat(Status.fromThrowable(reply.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(reply.completed).isFalse();
    }

    private static Exchange exchange(Object request, Recorder reply) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setBody(request);
        exchange.setProperty(GrpcConstants.GRPC_RESPONSE_OBSERVER, reply);
        return exchange;
    }

    private static JdbcDataSource unreachableDatabase() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:./target/no-such-dir/no-such-db;IFEXISTS=TRUE");
        return ds;
    }

    /** The response observer as camel-grpc hands it to the route. */
    private static final class Recorder implements StreamObserver<Object> {
        final List<Object> values = new ArrayList<>();
        Throwable error;
        boolean completed;

        @Override
        public void onNext(Object value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            completed = true;
        }
    }
}
