package io.integrationhub.hub.it;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import hub.users.v1.GetUserRequest;
import hub.users.v1.ListUsersRequest;
import hub.users.v1.User;
import hub.users.v1.UserServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code hub.users.v1.UserService} of a running hub (on the local PostgreSQL) called with a plain
 * grpc-java blocking stub, not Camel, and through the HTTP bridge {@code GET /api/users/{id}}.
 */
@ExtendWith(KafkaTestKit.class)
class GrpcUserServiceTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String SCHEMA = LocalServices.uniqueSchema("hub_grpc");

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static UserApi users;
    private static ManagedChannel channel;
    private static UserServiceGrpc.UserServiceBlockingStub stub;

    @BeforeAll
    static void startHub() {
        LocalServices.require(LocalServices.Service.POSTGRES);
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.datasource.url", LocalServices.postgresUrl());
        settings.put("hub.datasource.username", LocalServices.postgresUser());
        settings.put("hub.datasource.schema", SCHEMA);
        settings.put("hub.eventlog.topics", "user-events-grpc-" + SUFFIX + ",order-events-grpc-" + SUFFIX);
        settings.put("hub.saga.topic", "order-events-grpc-" + SUFFIX);
        settings.put("hub.saga.choreography.group", "choreo-" + SUFFIX);
        settings.put("hub.eventlog.group", "grpc-" + SUFFIX);
        settings.put("hub.cqrs.topic", "user-events-grpc-" + SUFFIX);
        settings.put("hub.cqrs.projector.group", "grpc-projector-" + SUFFIX);
        settings.put("hub.grpc.user-service.deadline-ms", "1000");
        hub = RunningHub.start(workDir, settings);
        users = new UserApi(hub);
        channel = ManagedChannelBuilder.forAddress("localhost", hub.grpcPort()).usePlaintext().build();
        stub = UserServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (hub != null) {
            hub.close();
        }
        LocalServices.dropPostgresSchema(SCHEMA);
    }

    @Test
    void shouldAnswerGetUserFromTheReadModel() {
        String id = created("found");

        User user = stub.withDeadlineAfter(5, TimeUnit.SECONDS).getUser(GetUserRequest.newBuilder().setId(id).build());

        assertThat(user.getId()).isEqualTo(id);
        assertThat(user.getName()).isEqualTo("User found");
        assertThat(user.getEmail()).isEqualTo(id + "@example.com");
        assertThat(user.getCreatedAt()).isNotEmpty();
    }

    @Test
    void shouldAnswerNotFoundForAnUnknownUser() {
        StatusRuntimeException e = call("nobody-" + SUFFIX);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).contains("nobody-" + SUFFIX);
    }

    @Test
    void shouldAnswerInvalidArgumentForAnEmptyOrMalformedId() {
        assertThat(call("").getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call("has space").getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(call("x".repeat(65)).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void shouldStreamUsersInIdOrder() {
        String prefix = "zz-stream-" + SUFFIX + "-";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertThat(users.create(prefix + i, "Streamed " + i, prefix + i + "@example.com").statusCode()).isEqualTo(201);
            ids.add(prefix + i);
        }
        // the five are on different partitions, projected independently: wait for each
        await().until(() -> ids.stream().noneMatch(id -> users.user(id).isNull()));

        List<String> streamed = new ArrayList<>();
        Iterator<User> all = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .listUsers(ListUsersRequest.newBuilder().setAfterId(prefix).setLimit(5).build());
        all.forEachRemaining(u -> streamed.add(u.getId()));
        List<String> firstTwo = new ArrayList<>();
        stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .listUsers(ListUsersRequest.newBuilder().setAfterId(prefix).setLimit(2).build())
                .forEachRemaining(u -> firstTwo.add(u.getId()));

        assertThat(streamed).containsExactlyElementsOf(ids);
        assertThat(firstTwo).containsExactly(ids.get(0), ids.get(1));
    }

    @Test
    void shouldHonourTheCallersDeadlineWhileTheReadModelIsBlocked() throws Exception {
        String id = created("deadline");
        try (Connection lock = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "")) {
            lock.setAutoCommit(false);
            lock.createStatement().execute("LOCK TABLE " + SCHEMA + ".user_view IN ACCESS EXCLUSIVE MODE");

            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> stub
                    .withDeadlineAfter(300, TimeUnit.MILLISECONDS).getUser(GetUserRequest.newBuilder().setId(id).build()));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            // the bridge's own deadline (hub.grpc.user-service.deadline-ms) gives the HTTP client a 504
            ProblemAssert.assertProblem(hub.get("/api/users/" + id), 504, "/api/users/" + id);
            lock.rollback();
        }
        // the blocked calls freed their threads: the service answers again
        assertThat(stub.withDeadlineAfter(5, TimeUnit.SECONDS).getUser(GetUserRequest.newBuilder().setId(id).build())
                .getId()).isEqualTo(id);
    }

    @Test
    void shouldBridgeGetUserToHttpWithEachStatusMapped() {
        String id = created("bridged");

        HttpResponse<String> found = hub.get("/api/users/" + id);
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode user = UserApi.read(found.body());
        assertThat(user.get("id").asText()).isEqualTo(id);
        assertThat(user.get("name").asText()).isEqualTo("User bridged");

        JsonNode missing = ProblemAssert.assertProblem(hub.get("/api/users/nobody-" + SUFFIX), 404, "/api/users/nobody-" + SUFFIX);
        assertThat(missing.get("detail").asText()).contains("nobody-" + SUFFIX);
        ProblemAssert.assertProblem(hub.get("/api/users/bad%20id"), 400, "/api/users/bad%20id");
    }

    private static String created(String label) {
        String id = label + "-" + UUID.randomUUID();
        assertThat(users.create(id, "User " + label, id + "@example.com").statusCode()).isEqualTo(201);
        await().until(() -> !users.user(id).isNull());
        return id;
    }

    private static StatusRuntimeException call(String id) {
        return catchThrowableOfType(StatusRuntimeException.class,
                () -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).getUser(GetUserRequest.newBuilder().setId(id).build()));
    }
}
