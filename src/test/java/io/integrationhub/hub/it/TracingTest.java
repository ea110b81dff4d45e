package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.integrationhub.hub.cqrs.query.UserEventStream;
import io.integrationhub.hub.infra.SpanStore;
import io.integrationhub.hub.infra.TracingConfiguration;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LogLines;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import io.integrationhub.hub.testkit.WebSocketClient;
import org.apache.camel.telemetry.TraceProcessorsInterceptStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One connected trace per piece of work, across every transport, with the hub's own span store (what
 * {@code /observe/traces} and the console read). Each request carries a {@code traceparent} of the
 * test's own, so the trace is known in advance: every span of the work must be in it, and every span's
 * parent must be in it too (or be the caller's span), nothing left dangling.
 */
@ExtendWith(KafkaTestKit.class)
class TracingTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path workDir;

    private static RabbitQueues rabbit;
    private static RunningHub hub;
    private static SpanStore store;

    @BeforeAll
    static void startHub() throws Exception {
        rabbit = new RabbitQueues();
        String suffix = Long.toString(System.nanoTime(), 36);
        Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
        settings.put("hub.eventlog.topics", "user-events-tr-" + suffix + ",order-events-tr-" + suffix);
        settings.put("hub.saga.topic", "order-events-tr-" + suffix);
        settings.put("hub.eventlog.group", "tr-" + suffix);
        settings.put("hub.cqrs.topic", "user-events-tr-" + suffix);
        settings.put("hub.cqrs.projector.group", "tr-projector-" + suffix);
        settings.put("hub.pubsub.subject", "orders.tr." + suffix);
        // no trace started by a broker message is recorded: what the tests below follow must carry its
        // caller's sampled traceparent through every broker hop
        settings.put("hub.tracing.message-sampling-ratio", "0");
        hub = RunningHub.start(workDir, settings);
        store = hub.context().getRegistry().lookupByNameAndType(TracingConfiguration.STORE, SpanStore.class);
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (rabbit != null) {
            rabbit.close();
        }
    }

    /** A caller's span: the hub's spans must continue its trace. */
    private record Caller(String traceId, String spanId) {
        static Caller next() {
            byte[] trace = new byte[16];
            byte[] span = new byte[8];
            RANDOM.nextBytes(trace);
            RANDOM.nextBytes(span);
            return new Caller(HexFormat.of().formatHex(trace), HexFormat.of().formatHex(span));
        }

        String traceparent() {
            return "00-" + traceId + "-" + spanId + "-01";
        }

        /** The same trace, not sampled by the caller. */
        String unsampledTraceparent() {
            return "00-" + traceId + "-" + spanId + "-00";
        }
    }

    private HttpRequest.Builder request(String path, Caller caller) {
        return HttpRequest.newBuilder(hub.uri(path)).timeout(Duration.ofSeconds(30)).header("traceparent", caller.traceparent());
    }

    /** Waits until the trace holds spans matching every one of {@code expected} (substrings of a span's name or attributes). */
    private List<SpanStore.StoredSpan> awaitTrace(Caller caller, String... expected) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<SpanStore.StoredSpan> spans = store.trace(caller.traceId());
            for (String part : expected) {
                assertThat(spans).as("spans of trace %s: %s", caller.traceId(), names(spans))
                        .anySatisfy(span -> assertThat(span.name() + " " + span.attributes()).contains(part));
            }
        });
        List<SpanStore.StoredSpan> spans = store.trace(caller.traceId());
        Set<String> ids = spans.stream().map(SpanStore.StoredSpan::spanId).collect(Collectors.toSet());
        assertThat(spans).as("every span's parent is in the trace: %s", names(spans))
                .allSatisfy(span -> assertThat(span.parentSpanId()).isIn(ids.contains(span.parentSpanId())
                        ? span.parentSpanId() : caller.spanId()));
        return spans;
    }

    /** What Camel's spans of {@code component} did: EVENT_SENT (a producer's send), EVENT_RECEIVED (a consumer's receipt). */
    private static List<String> ops(List<SpanStore.StoredSpan> spans, String component) {
        return spans.stream().filter(s -> component.equals(s.attributes().get("component")))
                .map(s -> s.attributes().get("op")).toList();
    }

    private static List<String> names(List<SpanStore.StoredSpan> spans) {
        return spans.stream().map(s -> s.name() + "(" + s.kind() + ")").toList();
    }

    @Test
    void shouldFollowAUserWriteThroughSqlTheOutboxKafkaTheProjectorAndTheWebSocket() throws Exception {
        Caller caller = Caller.next();
        String id = "tr-user-" + System.nanoTime();
        try (WebSocketClient socket = WebSocketClient.connect(hub, "/ws/users")) {
            UserEventStream stream = hub.context().getRegistry().lookupByNameAndType("userEventStream", UserEventStream.class);
            await().until(() -> stream.clientCount() >= 1);
            HttpResponse<String> created = hub.send(request("/users", caller).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"name\":\"Traced\",\"email\":\""
                            + id + "@example.com\"}")).build());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(socket.next(30)).contains(id);
        }
        // HTTP in, the SQL transaction that wrote the user and its outbox row, the relay's Kafka send
        // (a timer's work, continuing the write's trace), the projection of the record (applied in a
        // batch of its own), the WebSocket feed's Kafka receipt and its send
        List<SpanStore.StoredSpan> spans = awaitTrace(caller, "/users", "SQL transaction", "cqrs projection",
                "WebSocket /ws/users send");
        assertThat(ops(spans, "camel-kafka")).contains("EVENT_SENT", "EVENT_RECEIVED");
    }

    @Test
    void shouldFollowATaskFromHttpThroughRabbitMqToItsWorkerAndNameTheTraceInItsStatus() throws Exception {
        Caller caller = Caller.next();
        HttpResponse<String> accepted = hub.send(request("/api/tasks", caller).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{}}")).build());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String taskId = UserApi.read(accepted.body()).get("taskId").asText();
        List<SpanStore.StoredSpan> spans = awaitTrace(caller, "/api/tasks", "camel-spring-rabbitmq");
        await().untilAsserted(() -> assertThat(ops(store.trace(caller.traceId()), "camel-spring-rabbitmq"))
                .contains("EVENT_SENT", "EVENT_RECEIVED"));
        await().untilAsserted(() -> assertThat(UserApi.read(hub.get("/api/tasks/" + taskId).body()).get("status").asText())
                .isEqualTo("DONE"));
        assertThat(UserApi.read(hub.get("/api/tasks/" + taskId).body()).get("traceId").asText()).isEqualTo(caller.traceId());
    }

    @Test
    void shouldFollowAnOrderThroughTheSagaStepsTheStandInsAndTheNatsPublication() throws Exception {
        Caller caller = Caller.next();
        LogLines log = LogLines.capture();
        HttpResponse<String> placed = hub.send(request("/api/orders", caller).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(OrderApi.order("u-tr", "SKU-1", 1, "3.00"))).build());
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String orderId = UserApi.read(placed.body()).get("orderId").asText();
        JsonNode ended = new OrderApi(hub).awaitEnded(orderId, Duration.ofSeconds(60));
        assertThat(ended.get("status").asText()).isEqualTo("CONFIRMED");
        assertThat(ended.get("traceId").asText()).isEqualTo(caller.traceId());
        // the log line of the confirmation (saga-order-confirm, a completion Camel runs as an exchange of its
        // own, on a saga thread) carries the order's trace id
        await().untilAsserted(() -> assertThat(log.lines()).contains(caller.traceId() + "|Order " + orderId + " CONFIRMED"));
        log.close();
        awaitTrace(caller, "/api/orders", "/samples/payment/reservations", "/samples/inventory/reservations", "camel-nats");

        // the same trace is found by the order id, as the console finds it
        HttpResponse<String> found = hub.send(hub.adminRequest("/observe/traces?q=" + orderId).GET().build());
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(UserApi.read(found.body()).get("traces").findValuesAsText("traceId")).contains(caller.traceId());
    }

    @Test
    void shouldFollowTheGrpcBridgeFromHttpThroughTheGrpcClientToTheServerRoute() throws Exception {
        UserApi users = new UserApi(hub);
        String id = "tr-grpc-" + System.nanoTime();
        assertThat(users.create(id, "Grpc Traced", id + "@example.com").statusCode()).isEqualTo(201);
        await().until(() -> hub.get("/api/users/" + id).statusCode() == 200);

        Caller caller = Caller.next();
        assertThat(hub.send(request("/api/users/" + id, caller).GET().build()).statusCode()).isEqualTo(200);
        List<SpanStore.StoredSpan> spans = awaitTrace(caller, "/api/users/", "hub.users.v1.UserService/GetUser", "camel-grpc");
        // OpenTelemetry's gRPC client and server spans, and Camel's spans of the bridge's call and the server route
        assertThat(spans).extracting(SpanStore.StoredSpan::kind).contains("SERVER", "CLIENT");
        assertThat(ops(spans, "camel-grpc")).contains("EVENT_SENT", "EVENT_RECEIVED");
    }

    @Test
    void shouldGiveEachExchangeEventAShortListOfNotifiers() {
        // Camel walks every event notifier on each exchange event; camel-platform-http-main 4.17 added a
        // summary notifier each time its startup listener was called, once per route started: 132 of them
        // (infra/HttpSummaryNotifiers). Each server keeps its first.
        var notifiers = hub.context().getManagementStrategy().getStartedEventNotifiers();
        assertThat(notifiers.stream().filter(n -> n.getClass().getName().contains("MainHttpServerUtil")).count())
                .as("platform-http summary notifiers").isLessThanOrEqualTo(4);
        assertThat(notifiers).hasSizeLessThan(12);
    }

    @Test
    void shouldLeaveTheRoutesAsynchronousWithoutProcessorSpans() {
        // camel-telemetry 4.17 wraps every processor in a synchronous one even with processor spans off
        // (TracingConfiguration removes it): with it, each async step was awaited through the await manager
        assertThat(hub.context().getCamelContextExtension().getInterceptStrategies())
                .noneMatch(TraceProcessorsInterceptStrategy.class::isInstance);
        // and the HTTP spans are still there
        Caller caller = Caller.next();
        assertThat(hub.send(request("/api/p2p/data", caller).GET().build()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<SpanStore.StoredSpan> spans = store.trace(caller.traceId());
            assertThat(ops(spans, "camel-platform-http")).as("%s", names(spans)).contains("EVENT_RECEIVED");
            assertThat(ops(spans, "camel-http")).as("%s", names(spans)).contains("EVENT_SENT");
        });
    }

    @Test
    void shouldMakeNoSpansOfInProcessHopsInsideAnExchangeThatHasOne() {
        // p2p-data sends to direct:p2p-service-b, which calls the stand-in, whose route calls a bean:
        // with hub.tracing.inner-hops at its default those hops add no span, the rest stays connected.
        // (Where a direct: route starts an exchange's work, it keeps its span: the saga test above finds
        // the order's trace id in the log line of saga-order-confirm, a completion on a new exchange.)
        Caller caller = Caller.next();
        assertThat(hub.send(request("/api/p2p/data", caller).GET().build()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<SpanStore.StoredSpan> spans = store.trace(caller.traceId());
            // the hub's server span, its HTTP call, the stand-in's server span
            assertThat(ops(spans, "camel-platform-http")).as("%s", names(spans)).containsExactly("EVENT_RECEIVED", "EVENT_RECEIVED");
            assertThat(ops(spans, "camel-http")).as("%s", names(spans)).containsExactly("EVENT_SENT");
        });
        List<SpanStore.StoredSpan> spans = awaitTrace(caller, "/api/p2p/data");
        assertThat(spans).as("%s", names(spans)).extracting(s -> s.attributes().get("component"))
                .doesNotContain("camel-direct", "camel-bean");
        assertThat(spans).as("%s", names(spans)).hasSize(3);
    }

    @Test
    void shouldRecordABrokerMessageWithoutTraceContextAtTheMessageRatioAndATracedOneAsItsProducerSaid() throws Exception {
        byte[] noop = "{\"type\":\"noop\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8);
        String untraced = "amqp-untraced-" + UUID.randomUUID();
        rabbit.publishToQueue(noop, untraced);
        Caller caller = Caller.next();
        String traced = "amqp-traced-" + UUID.randomUUID();
        rabbit.publishToQueue(noop, traced, Map.of("traceparent", caller.traceparent()));

        awaitTrace(caller, "camel-spring-rabbitmq");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(List.of(untraced, traced))
                .allSatisfy(id -> assertThat(UserApi.read(hub.get("/api/tasks/" + id).body()).get("status").asText()).isEqualTo("DONE")));
        assertThat(UserApi.read(hub.get("/api/tasks/" + traced).body()).get("traceId").asText()).isEqualTo(caller.traceId());
        // the untraced one has a trace of its own (named in its status and its log lines), not recorded at ratio 0
        String own = UserApi.read(hub.get("/api/tasks/" + untraced).body()).get("traceId").asText();
        assertThat(own).matches("[0-9a-f]{32}").isNotEqualTo(caller.traceId());
        assertThat(store.trace(own)).isEmpty();
    }

    @Test
    void shouldNameTheTraceInProblemAnswers() {
        Caller caller = Caller.next();
        HttpResponse<String> missing = hub.send(request("/api/orders/no-such-order", caller).GET().build());
        assertThat(ProblemAssert.assertProblem(missing, 404, "/api/orders/no-such-order").get("traceId").asText())
                .isEqualTo(caller.traceId());
        // without a caller's trace, the hub's own (a read: recorded at hub.tracing.read-sampling-ratio, named in any case)
        JsonNode own = ProblemAssert.assertProblem(hub.get("/api/orders/no-such-order"), 404, "/api/orders/no-such-order");
        assertThat(own.get("traceId").asText()).matches("[0-9a-f]{32}").isNotEqualTo(caller.traceId());
        // a write's own trace is recorded (hub.tracing.sampling-ratio, 1.0 by default)
        JsonNode write = ProblemAssert.assertProblem(hub.send(HttpRequest.newBuilder(hub.uri("/api/orders"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build()),
                400, "/api/orders");
        assertThat(write.get("traceId").asText()).matches("[0-9a-f]{32}");
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.trace(write.get("traceId").asText()).isEmpty());
    }

    /**
     * Point-to-point drops every header of the request before its call (nothing of the caller goes to
     * service B), the exchange's trace id with them, and an open breaker answers before any call is
     * sent: the problem answer still names the trace, recorded or not.
     */
    @Test
    void shouldNameTheTraceWhenTheBreakerAnswersBeforeAnyCall() {
        CircuitBreaker breaker = hub.context().getRegistry().lookupByNameAndType("service-bBreaker", CircuitBreaker.class);
        breaker.transitionToForcedOpenState();
        try {
            Caller sampled = Caller.next();
            HttpResponse<String> refused = hub.send(request("/api/p2p/data", sampled).GET().build());
            assertThat(ProblemAssert.assertProblem(refused, 503, "/api/p2p/data").get("traceId").asText())
                    .isEqualTo(sampled.traceId());
            Caller unsampled = Caller.next();
            HttpResponse<String> alsoRefused = hub.send(HttpRequest.newBuilder(hub.uri("/api/p2p/data"))
                    .header("traceparent", unsampled.unsampledTraceparent()).GET().build());
            assertThat(ProblemAssert.assertProblem(alsoRefused, 503, "/api/p2p/data").get("traceId").asText())
                    .isEqualTo(unsampled.traceId());
        } finally {
            breaker.transitionToClosedState();
        }
    }

    @Test
    void shouldRecordNoSpanOfATraceTheCallerDidNotSampleButStillNameIt() {
        Caller unsampled = Caller.next();
        HttpRequest.Builder get = HttpRequest.newBuilder(hub.uri("/api/p2p/data")).timeout(Duration.ofSeconds(30))
                .header("traceparent", unsampled.unsampledTraceparent());
        assertThat(hub.send(get.GET().build()).statusCode()).isEqualTo(200);
        HttpResponse<String> missing = hub.send(HttpRequest.newBuilder(hub.uri("/api/orders/no-such-order"))
                .header("traceparent", unsampled.unsampledTraceparent()).GET().build());
        assertThat(ProblemAssert.assertProblem(missing, 404, "/api/orders/no-such-order").get("traceId").asText())
                .isEqualTo(unsampled.traceId());
        // a sampled request after them, through the same routes, is recorded: the store is being written
        Caller sampled = Caller.next();
        assertThat(hub.send(request("/api/p2p/data", sampled).GET().build()).statusCode()).isEqualTo(200);
        awaitTrace(sampled, "/api/p2p/data");
        // the unsampled one: no span, not the hub route's, nor its HTTP call's, nor the stand-in's
        assertThat(store.trace(unsampled.traceId())).isEmpty();
    }

    @Test
    void shouldShowRoutesBreakersAndDepthsInTheConsoleOverview() throws Exception {
        HttpResponse<String> accepted = hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{}}")).build());
        assertThat(accepted.statusCode()).isEqualTo(202);

        await().untilAsserted(() -> {
            JsonNode overview = UserApi.read(hub.send(hub.adminRequest("/observe/console/overview").GET().build()).body());
            JsonNode submit = route(overview, "queue-task-submit");
            assertThat(submit.get("pattern").asText()).isEqualTo("queue");
            assertThat(submit.get("source").asText()).contains("TaskQueueRoutes");
            assertThat(submit.get("status").asText()).isEqualTo("Started");
            assertThat(submit.get("exchanges").asLong()).isPositive();
            assertThat(route(overview, "p2p-data").get("source").asText()).contains("p2p.camel.yaml");
            assertThat(overview.get("breakers").findValuesAsText("state")).isNotEmpty().containsOnly("CLOSED");
            assertThat(overview.get("gauges").toString()).contains("hub.outbox.pending")
                    .contains("\"queue\":\"" + rabbit.queue() + "\"").contains("\"queue\":\"" + rabbit.deadLetterQueue() + "\"");
        });
        assertThat(hub.get("/observe/console/overview").statusCode()).isEqualTo(401);
        // the page itself is open: it holds no data, and asks for the key
        HttpResponse<String> page = hub.get("/console/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<script src=\"console.js\"").doesNotContain("<script>");
    }

    private static JsonNode route(JsonNode overview, String id) {
        for (JsonNode route : overview.get("routes")) {
            if (route.get("id").asText().equals(id)) {
                return route;
            }
        }
        throw new AssertionError("route " + id + " not in the console's overview");
    }

    @Test
    void shouldKeepTheTracesBehindTheAdminKey() {
        assertThat(hub.get("/observe/traces").statusCode()).isEqualTo(401);
        assertThat(hub.send(hub.adminRequest("/observe/traces/not-a-trace-id").GET().build()).statusCode()).isEqualTo(400);
        assertThat(hub.send(hub.adminRequest("/observe/traces/" + "0".repeat(31) + "1").GET().build()).statusCode()).isEqualTo(404);
    }
}
