package io.integrationhub.hub.it;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.infra.DataSourceConfiguration;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import io.integrationhub.hub.testkit.WebSocketClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * CQRS end to end on the local PostgreSQL and the test kit's Kafka: REST write → outbox → user-events
 * → projector → read model → GraphQL and WebSocket, with real HTTP, Kafka and WebSocket clients.
 */
@ExtendWith(KafkaTestKit.class)
class CqrsTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC = "user-events-cqrs-" + SUFFIX;
    private static final String SCHEMA = LocalServices.uniqueSchema("hub_cqrs");

    @TempDir
    static Path workDir;

    private static RunningHub hub;
    private static UserApi users;

    @BeforeAll
    static void startHub() {
        LocalServices.require(LocalServices.Service.POSTGRES);
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.datasource.url", LocalServices.postgresUrl());
        settings.put("hub.datasource.username", LocalServices.postgresUser());
        settings.put("hub.datasource.schema", SCHEMA);
        settings.put("hub.eventlog.topics", TOPIC + ",order-events-cqrs-" + SUFFIX);
        settings.put("hub.saga.topic", "order-events-cqrs-" + SUFFIX);
        settings.put("hub.saga.choreography.group", "choreo-" + SUFFIX);
        settings.put("hub.eventlog.group", "cqrs-it-" + SUFFIX);
        settings.put("hub.cqrs.topic", TOPIC);
        settings.put("hub.cqrs.projector.group", "cqrs-projector-it-" + SUFFIX);
        settings.put("hub.cqrs.graphql.max-page-size", "50");
        hub = RunningHub.start(workDir, settings);
        users = new UserApi(hub);
        await().untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200));
    }

    @AfterAll
    static void stopHub() {
        if (hub != null) {
            hub.close();
        }
        LocalServices.dropPostgresSchema(SCHEMA);
    }

    @Test
    void shouldPublishUserCreatedWithTheContractEnvelopeAndShowTheUserThroughGraphQl() throws Exception {
        HttpResponse<String> created = users.create(null, "Ada Lovelace", "ada-" + SUFFIX + "@example.com");

        assertThat(created.statusCode()).isEqualTo(201);
        String id = UserApi.read(created.body()).get("id").asText();
        assertThat(created.headers().firstValue("Location")).hasValue("/users/" + id);
        assertThat(hub.get("/users/" + id).statusCode()).as("the Location answers").isEqualTo(200);

        ConsumerRecord<String, String> record = awaitRecord(id, "UserCreated");
        JsonNode event = UserApi.read(record.value());
        assertThat(UUID.fromString(event.get("eventId").asText())).isNotNull();
        assertThat(Instant.parse(event.get("occurredAt").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(event.get("data").get("id").asText()).isEqualTo(id);
        assertThat(event.get("data").get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(event.get("data").get("email").asText()).isEqualTo("ada-" + SUFFIX + "@example.com");

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            JsonNode user = users.user(id);
            assertThat(user.path("name").asText()).isEqualTo("Ada Lovelace");
            assertThat(user.path("createdAt").asText()).isEqualTo(event.get("data").get("createdAt").asText());
        });
    }

    @Test
    void shouldSendEachEventToEveryWebSocketClientOnceTheReadModelHasIt() throws Exception {
        try (WebSocketClient first = WebSocketClient.connect(hub, "/ws/users");
             WebSocketClient second = WebSocketClient.connect(hub, "/ws/users")) {
            String id = "ws-" + UUID.randomUUID();
            assertThat(users.create(id, "Grace", id + "@example.com").statusCode()).isEqualTo(201);

            for (WebSocketClient client : List.of(first, second)) {
                JsonNode frame = awaitFrame(client, id, "UserCreated");
                assertThat(frame.get("data").get("name").asText()).isEqualTo("Grace");
            }
            // told over the socket, so the read model already answers: no waiting here
            assertThat(users.user(id).path("name").asText()).isEqualTo("Grace");
        }
    }

    @Test
    void shouldApplyUpdatesAndDeletionsThroughTheirEvents() throws Exception {
        String id = "upd-" + UUID.randomUUID();
        assertThat(users.create(id, "Linus", id + "@example.com").statusCode()).isEqualTo(201);
        HttpResponse<String> updated = users.update(id, "Linus T", "new-" + id + "@example.com");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(UserApi.read(updated.body()).get("version").asLong()).isEqualTo(2);

        await().untilAsserted(() -> assertThat(users.user(id).path("email").asText()).isEqualTo("new-" + id + "@example.com"));
        assertThat(awaitRecord(id, "UserUpdated").key()).isEqualTo(id);

        assertThat(users.delete(id).statusCode()).isEqualTo(204);
        await().untilAsserted(() -> assertThat(users.user(id).isNull()).isTrue());
        assertThat(awaitRecord(id, "UserDeleted").key()).isEqualTo(id);
        // the address is free again once its user is deleted
        assertThat(users.create(null, "Other", id + "@example.com").statusCode()).isEqualTo(201);
    }

    @Test
    void shouldChangeNothingWhenTheSameOrAnOlderEventIsDeliveredAgain() throws Exception {
        String id = "dup-" + UUID.randomUUID();
        users.create(id, "Barbara", id + "@example.com");
        users.update(id, "Barbara L", id + "@example.com");
        String created = awaitRecord(id, "UserCreated").value();
        String updatedEvent = awaitRecord(id, "UserUpdated").value();
        await().untilAsserted(() -> assertThat(users.user(id).path("name").asText()).isEqualTo("Barbara L"));
        long appliedBefore = count("user_view_applied WHERE user_id = '" + id + "'");

        // an older version under a new eventId: what a relay retry after a newer event went out looks like
        String stale = created.replace(UserApi.read(created).get("eventId").asText(), UUID.randomUUID().toString())
                .replace("\"name\":\"Barbara\"", "\"name\":\"Stale\"");
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(TOPIC, id, updatedEvent)).get(); // the same event again
            producer.send(new ProducerRecord<>(TOPIC, id, created)).get();      // an earlier one again
            producer.send(new ProducerRecord<>(TOPIC, id, stale)).get();
        }
        awaitProjectorCaughtUp();

        assertThat(users.user(id).path("name").asText()).isEqualTo("Barbara L");
        assertThat(count("user_view WHERE id = '" + id + "' AND version = 2")).isEqualTo(1);
        assertThat(count("user_view_applied WHERE user_id = '" + id + "'")).as("only the stale one is new")
                .isEqualTo(appliedBefore + 1);
    }

    @Test
    void shouldRebuildTheSameReadModelFromOffsetZeroOnReplay() throws Exception {
        for (int i = 0; i < 5; i++) {
            String id = "replay-" + i + "-" + SUFFIX;
            users.create(id, "User " + i, id + "@example.com");
            if (i % 2 == 0) {
                users.update(id, "User " + i + " (changed)", id + "@example.com");
            }
        }
        users.delete("replay-4-" + SUFFIX);
        await().untilAsserted(() -> assertThat(users.user("replay-4-" + SUFFIX).isNull()).isTrue());
        await().until(() -> count("outbox WHERE published_at IS NULL") == 0);
        awaitProjectorCaughtUp();
        List<String> before = readModel();
        Instant replayedAt = Instant.now();

        HttpResponse<String> replay = hub.send(hub.adminRequest("/admin/replay/" + TOPIC)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(UserApi.read(replay.body()).get("consumerGroups").toString()).contains("cqrs-projector-it-" + SUFFIX);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(readModel()).isEqualTo(before);
            assertThat(count("user_view_applied WHERE applied_at < '" + java.sql.Timestamp.from(replayedAt) + "'"))
                    .as("every event applied again after the replay").isZero();
        });
    }

    @Test
    void shouldReadVersionOneUserEventsInTheVersionTwoShapeAndRebuildTheSameReadModelFromThem() throws Exception {
        // UserUpdated moved from schema v1 to v2 (changedFields added, required). These are events as a hub
        // before that change wrote them: v1 data, with schemaVersion 1 or, older still, none at all
        String alan = "v1-alan-" + SUFFIX;
        String barbara = "v1-barbara-" + SUFFIX;
        try (WebSocketClient ws = WebSocketClient.connect(hub, "/ws/users");
             KafkaProducer<String, String> producer = producer()) {
            producer.send(versionOne(alan, "UserCreated", 1, "Alan", 1)).get();
            producer.send(versionOne(alan, "UserUpdated", 1, "Alan Turing", 2)).get();
            producer.send(versionOne(barbara, "UserCreated", null, "Barbara", 1)).get();
            producer.send(versionOne(barbara, "UserUpdated", null, "Barbara Liskov", 2)).get();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(users.user(alan).path("name").asText()).isEqualTo("Alan Turing");
                assertThat(users.user(barbara).path("name").asText()).isEqualTo("Barbara Liskov");
            });
            // a client is sent the current shape, whatever version the record was written in
            JsonNode frame = awaitFrame(ws, alan, "UserUpdated");
            assertThat(frame.get("schemaVersion").asInt()).isEqualTo(2);
            assertThat(frame.get("data").get("changedFields").toString()).as("a v1 event does not say: both")
                    .isEqualTo("[\"name\",\"email\"]");
        }

        // this hub writes v2: only the email changes here, and the event says so
        String grace = "v2-grace-" + SUFFIX;
        users.create(grace, "Grace", grace + "@example.com");
        assertThat(users.update(grace, "Grace", "hopper-" + grace + "@example.com").statusCode()).isEqualTo(200);
        JsonNode updated = UserApi.read(awaitRecord(grace, "UserUpdated").value());
        assertThat(updated.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(updated.get("data").get("changedFields").toString()).isEqualTo("[\"email\"]");
        await().until(() -> count("outbox WHERE published_at IS NULL") == 0);
        await().untilAsserted(() -> assertThat(users.user(grace).path("email").asText()).startsWith("hopper-"));
        awaitProjectorCaughtUp();
        List<String> before = readModel();
        assertThat(before).anyMatch(row -> row.startsWith(alan + "|Alan Turing|" + alan + "@example.com|"));

        Instant replayedAt = Instant.now();
        HttpResponse<String> replay = hub.send(hub.adminRequest("/admin/replay/" + TOPIC)
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

        assertThat(replay.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(readModel()).as("v1 and v2 events, replayed from offset 0, rebuild the same read model")
                    .isEqualTo(before);
            assertThat(count("user_view_applied WHERE applied_at < '" + java.sql.Timestamp.from(replayedAt) + "'"))
                    .isZero();
        });
    }

    /** A record as a hub before UserUpdated v2 wrote it ({@code schemaVersion} null: before versions existed). */
    private static ProducerRecord<String, String> versionOne(String id, String event, Integer schemaVersion, String name,
                                                             long version) {
        String at = Instant.parse("2026-11-01T10:00:00Z").plusSeconds(version).toString();
        return new ProducerRecord<>(TOPIC, id, "{\"eventId\":\"" + UUID.randomUUID() + "\",\"event\":\"" + event + "\","
                + (schemaVersion == null ? "" : "\"schemaVersion\":" + schemaVersion + ",")
                + "\"occurredAt\":\"" + at + "\",\"data\":{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"email\":\""
                + id + "@example.com\",\"createdAt\":\"2026-11-01T10:00:01Z\",\"updatedAt\":\"" + at
                + "\",\"version\":" + version + "}}");
    }

    @Test
    void shouldPageThroughUsersWithCursors() {
        String prefix = "page-" + SUFFIX + "-";
        for (int i = 0; i < 5; i++) {
            users.create(prefix + i, "Pager " + i, prefix + i + "@example.com");
        }
        await().untilAsserted(() -> assertThat(users.user(prefix + 4).isNull()).isFalse());

        List<String> seen = new ArrayList<>();
        String after = null;
        boolean hasNext = true;
        while (hasNext) {
            JsonNode page = users.graphQl("{ users(first: 2" + (after == null ? "" : ", after: \"" + after + "\"")
                    + ") { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }").path("data").path("users");
            assertThat(page.path("edges").size()).isLessThanOrEqualTo(2);
            page.path("edges").forEach(e -> seen.add(e.path("node").path("id").asText()));
            hasNext = page.path("pageInfo").path("hasNextPage").asBoolean();
            after = page.path("pageInfo").path("endCursor").asText();
        }
        assertThat(seen).doesNotHaveDuplicates().isSorted();
        assertThat(seen.stream().filter(s -> s.startsWith(prefix)).toList())
                .containsExactly(prefix + 0, prefix + 1, prefix + 2, prefix + 3, prefix + 4);
    }

    @Test
    void shouldRefuseBadCommandsWithProblemDetails() {
        String id = "bad-" + UUID.randomUUID();
        assertThat(users.create(id, "Taken", id + "@example.com").statusCode()).isEqualTo(201);

        JsonNode missing = ProblemAssert.assertProblem(users.send("POST", "/users", "application/json",
                "{\"name\":\"No Mail\"}"), 400, "/users");
        assertThat(missing.get("detail").asText()).contains("email");
        JsonNode invalid = ProblemAssert.assertProblem(users.create(null, "X", "not-an-address"), 400, "/users");
        assertThat(invalid.get("detail").asText()).contains("email");
        ProblemAssert.assertProblem(users.send("POST", "/users", "application/json", "{\"name\":"), 400, "/users");
        ProblemAssert.assertProblem(users.send("POST", "/users", "text/plain", "name=x"), 415, "/users");
        ProblemAssert.assertProblem(users.create(null, "x".repeat(20_000), "big@example.com"), 413, "/users");
        JsonNode takenId = ProblemAssert.assertProblem(users.create(id, "Again", "other-" + id + "@example.com"), 409, "/users");
        assertThat(takenId.get("detail").asText()).contains(id);
        JsonNode takenEmail = ProblemAssert.assertProblem(users.create(null, "Again", id.toUpperCase() + "@EXAMPLE.com"),
                409, "/users");
        assertThat(takenEmail.get("detail").asText()).contains("email");
        ProblemAssert.assertProblem(users.update("nobody-" + id, "N", "n@example.com"), 404, "/users/nobody-" + id);
        ProblemAssert.assertProblem(users.delete("nobody-" + id), 404, "/users/nobody-" + id);
        ProblemAssert.assertProblem(users.send("PUT", "/users/" + id, "application/json", "{\"name\":\"N\"}"),
                400, "/users/" + id);
    }

    @Test
    void shouldAnswerGraphQlErrorsAsTheSpecSays() {
        HttpResponse<String> unparsable = users.graphQlResponse("{ user(id: ");
        assertThat(unparsable.statusCode()).isEqualTo(400);
        assertThat(UserApi.read(unparsable.body()).get("errors").get(0).get("message").asText()).contains("Invalid syntax");

        HttpResponse<String> unknownField = users.graphQlResponse("{ user(id: \"x\") { password } }");
        assertThat(unknownField.statusCode()).isEqualTo(400);
        assertThat(UserApi.read(unknownField.body()).has("data")).isFalse();

        // a query about the schema alone may nest as deep as the introspection of GraphiQL and other tools
        // (13), not deeper than 20; the data has no field deeper than hub.cqrs.graphql.max-depth (8)
        HttpResponse<String> introspection = users.graphQlResponse(
                "{ __schema { types { name fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }");
        assertThat(introspection.statusCode()).as(introspection.body()).isEqualTo(200);
        assertThat(introspection.body()).contains("\"UserConnection\"");
        HttpResponse<String> tooDeep = users.graphQlResponse("{ __schema { types { fields { type "
                + "{ ofType ".repeat(20) + "{ name }" + " }".repeat(20) + " } } } }");
        assertThat(tooDeep.statusCode()).isEqualTo(400);
        assertThat(UserApi.read(tooDeep.body()).get("errors").get(0).get("message").asText()).containsIgnoringCase("depth");

        StringBuilder wide = new StringBuilder("{");
        for (int i = 0; i < 70; i++) {
            wide.append(" a").append(i).append(": users(first: 1) { edges { node { id } } }");
        }
        HttpResponse<String> tooComplex = users.graphQlResponse(wide.append(" }").toString());
        assertThat(tooComplex.statusCode()).isEqualTo(400);
        assertThat(UserApi.read(tooComplex.body()).get("errors").get(0).get("message").asText()).containsIgnoringCase("complexity");

        JsonNode fieldError = users.graphQl("{ users(first: 500) { pageInfo { hasNextPage } } }");
        assertThat(fieldError.get("errors").get(0).get("message").asText()).contains("first must be between 1 and 50");
        assertThat(fieldError.get("errors").get(0).get("path").get(0).asText()).isEqualTo("users");
        JsonNode badCursor = users.graphQl("{ users(after: \"nonsense\") { pageInfo { hasNextPage } } }");
        assertThat(badCursor.get("errors").get(0).get("message").asText()).contains("not a cursor");

        ProblemAssert.assertProblem(users.send("POST", "/graphql", "text/plain", "{ users }"), 415, "/graphql");
        ProblemAssert.assertProblem(users.send("POST", "/graphql", "application/json", "{\"query\":\"" + "x".repeat(20_000) + "\"}"),
                413, "/graphql");
    }

    @Test
    void shouldStampEachUserEventWithItsSchemaVersionAndServeTheSchemas() throws Exception {
        String id = UserApi.read(users.create(null, "Grace Hopper", "grace-" + SUFFIX + "@example.com").body()).get("id").asText();

        JsonNode created = UserApi.read(awaitRecord(id, "UserCreated").value());
        assertThat(created.get("schemaVersion").asInt()).isEqualTo(1);

        JsonNode schemas = UserApi.read(hub.get("/api/schemas").body());
        assertThat(schemas.get("events").toString()).contains("{\"event\":\"UserCreated\",\"currentVersion\":1,\"versions\":[1]}")
                .contains("{\"event\":\"UserUpdated\",\"currentVersion\":2,\"versions\":[1,2]}")
                .contains("\"OrderConfirmed\"").contains("\"PaymentRejected\"");
        HttpResponse<String> schema = hub.get("/api/schemas/UserCreated/v1");
        assertThat(schema.statusCode()).isEqualTo(200);
        assertThat(schema.headers().firstValue("Content-Type")).hasValue("application/schema+json");
        assertThat(UserApi.read(schema.body()).get("required").toString()).contains("\"email\"");
        assertThat(hub.get("/api/schemas/UserCreated/1").body()).isEqualTo(schema.body());
        ProblemAssert.assertProblem(hub.get("/api/schemas/UserCreated/7"), 404, "/api/schemas/UserCreated/7");
        ProblemAssert.assertProblem(hub.get("/api/schemas/NoSuchEvent/1"), 404, "/api/schemas/NoSuchEvent/1");
        ProblemAssert.assertProblem(hub.get("/api/schemas/UserCreated/latest"), 400, "/api/schemas/UserCreated/latest");
    }

    @Test
    void shouldRefuseAnEventNotMatchingItsSchemaAtTheProducerAndDeadLetterItAtTheConsumer() throws Exception {
        String id = "schema-bad-" + SUFFIX;
        HttpResponse<String> refused = users.send("POST", "/api/events/" + TOPIC, "application/json",
                "{\"key\":\"" + id + "\",\"event\":\"UserCreated\",\"data\":{\"id\":\"" + id + "\",\"name\":\"No Email\"}}");
        assertThat(ProblemAssert.assertProblem(refused, 400, "/api/events/" + TOPIC).get("detail").asText())
                .contains("UserCreated").contains("schema v1").contains("email");

        // the same event, put on the topic by a client that skipped the hub: the consumers dead-letter it
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(TOPIC, id, "{\"eventId\":\"" + UUID.randomUUID() + "\",\"event\":\"UserCreated\","
                    + "\"occurredAt\":\"" + Instant.now() + "\",\"data\":{\"id\":\"" + id + "\",\"name\":\"No Email\"}}")).get();
            producer.send(new ProducerRecord<>(TOPIC, id, "{\"eventId\":\"" + UUID.randomUUID() + "\",\"event\":\"UserDeleted\","
                    + "\"schemaVersion\":9,\"occurredAt\":\"" + Instant.now() + "\",\"data\":{}}")).get();
        }
        List<String> reasons = awaitDeadLetters(id, 2);
        assertThat(reasons.get(0)).contains("does not match its schema v1").contains("email");
        assertThat(reasons.get(1)).contains("schemaVersion 9");
        assertThat(users.user(id).isNull()).isTrue();
    }

    /** The failure reasons of the CQRS projector's dead letters of the records keyed {@code key}, once there are {@code count}. */
    private static List<String> awaitDeadLetters(String key, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "cqrs-dlt-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC + ".dlt"));
            List<String> reasons = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    var route = r.headers().lastHeader("x-failed-route");
                    if (key.equals(r.key()) && route != null && new String(route.value()).equals("cqrs-projector")) {
                        reasons.add(new String(r.headers().lastHeader("x-failure-reason").value()));
                    }
                }
                assertThat(reasons).hasSize(count);
            });
            return reasons;
        }
    }

    private static ConsumerRecord<String, String> awaitRecord(String key, String eventType) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "cqrs-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            List<ConsumerRecord<String, String>> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key()) && r.value().contains("\"event\":\"" + eventType + "\"")) {
                        found.add(r);
                    }
                }
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }

    private static JsonNode awaitFrame(WebSocketClient client, String id, String eventType) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            String frame = client.next(1);
            if (frame != null) {
                JsonNode event = UserApi.read(frame);
                if (id.equals(event.path("data").path("id").asText()) && eventType.equals(event.path("event").asText())) {
                    return event;
                }
            }
        }
        throw new AssertionError("no " + eventType + " frame for " + id + " within 20 s");
    }

    private static void awaitProjectorCaughtUp() {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                hub.context().getRegistry().lookupByNameAndType("userProjectionLag",
                        io.integrationhub.hub.cqrs.query.ProjectionLag.class).refresh() == 0.0);
    }

    private static KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readModel() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT id, name, email, created_at, updated_at, version, deleted FROM user_view ORDER BY id")) {
            while (rs.next()) {
                rows.add(String.join("|", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7)));
            }
        }
        return rows;
    }

    private static long count(String fromWhere) throws Exception {
        try (Connection c = dataSource().getConnection();
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + fromWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static DataSource dataSource() {
        return DataSourceConfiguration.dataSource(hub.context());
    }
}
