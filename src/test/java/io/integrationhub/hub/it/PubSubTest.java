package io.integrationhub.hub.it;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.RoutesBuilder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.NatsClient;
import io.integrationhub.hub.testkit.RunningHub;
import io.nats.client.Message;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Publish-subscribe against the local NATS server: fan-out, queue groups across instances, failure reports, JetStream durability. */
@ExtendWith(KafkaTestKit.class)
class PubSubTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    private NatsClient nats;
    private final List<RunningHub> hubs = new ArrayList<>();

    @BeforeEach
    void connect() {
        nats = new NatsClient();
    }

    @AfterEach
    void stop() throws Exception {
        hubs.forEach(RunningHub::close);
        nats.close();
    }

    @Test
    void shouldDeliverEveryMessageToEverySubscriber() throws Exception {
        RunningHub hub = start(Map.of());
        List<String> ids = publishOrders(50);

        await().untilAsserted(() -> {
            for (String subscriber : List.of("notifications", "audit", "analytics")) {
                assertThat(deliveries(hub, subscriber, ids)).as(subscriber).isEqualTo(50);
            }
        });
        JsonNode answer = JSON.readTree(hub.get("/api/pubsub/orders/" + ids.get(7) + "/deliveries").body());
        assertThat(answer.get("orderId").asText()).isEqualTo(ids.get(7));
        assertThat(answer.get("subscribers").toString()).isEqualTo("[\"analytics\",\"audit\",\"notifications\"]");
    }

    @Test
    void shouldShareAQueueGroupSubscriberBetweenInstancesWithoutBreakingTheFanOut() throws Exception {
        Map<String, String> settings = Map.of("hub.pubsub.notifications.queue-group", "notifications-" + UUID.randomUUID());
        RunningHub first = start(settings);
        RunningHub second = start(settings, first);
        List<String> ids = publishOrders(20);

        await().untilAsserted(() -> {
            assertThat(deliveries(first, "notifications", ids)).as("queue group: each message once").isEqualTo(20);
            assertThat(deliveries(first, "audit", ids)).as("no queue group: each instance").isEqualTo(40);
            assertThat(deliveries(first, "analytics", ids)).isEqualTo(40);
        });
        assertThat(queryInt(first, "SELECT COUNT(DISTINCT instance_id) FROM pubsub_delivery WHERE subscriber = 'notifications' AND order_id IN "
                + in(ids))).as("both instances took part").isEqualTo(2);
        assertThat(second.context().getRoute("pubsub-notifications")).isNotNull();
    }

    @Test
    void shouldReportAMessageEverySubscriberFailsOnInsteadOfDroppingIt() throws Exception {
        RunningHub hub = start(Map.of());
        List<Message> deadLetters = nats.collect(nats.subject() + ".dlq");

        nats.publish("{\"notAnOrder\":true}");

        await().untilAsserted(() -> assertThat(deadLetters).hasSize(3));
        Set<String> subscribers = deadLetters.stream().map(m -> m.getHeaders().getFirst("x-subscriber")).collect(Collectors.toSet());
        assertThat(subscribers).containsExactlyInAnyOrder("notifications", "audit", "analytics");
        assertThat(deadLetters.get(0).getHeaders().getFirst("x-failure-reason")).isEqualTo("message has no orderId");
        assertThat(new String(deadLetters.get(0).getData(), StandardCharsets.UTF_8)).isEqualTo("{\"notAnOrder\":true}");
        assertThat(hub.get("/observe/metrics").body()).contains("hub_pubsub_failed_total{subscriber=\"audit\"}");
    }

    @Test
    void shouldDeliverToADurableJetStreamSubscriberWhatWasPublishedWhileItWasStopped() throws Exception {
        RunningHub hub = start(Map.of("hub.pubsub.audit.jetstream", "true"));
        List<String> before = publishOrders(1);
        await().untilAsserted(() -> assertThat(deliveries(hub, "audit", before)).isEqualTo(1));

        hub.context().getRouteController().stopRoute("pubsub-audit");
        hub.context().getRouteController().stopRoute("pubsub-notifications");
        List<String> whileStopped = publishOrders(3);
        await().untilAsserted(() -> assertThat(deliveries(hub, "analytics", whileStopped)).isEqualTo(3));
        hub.context().getRouteController().startRoute("pubsub-audit");
        hub.context().getRouteController().startRoute("pubsub-notifications");

        await().untilAsserted(() -> assertThat(deliveries(hub, "audit", whileStopped)).as("JetStream durable").isEqualTo(3));
        List<String> after = publishOrders(1);
        await().untilAsserted(() -> assertThat(deliveries(hub, "notifications", after)).isEqualTo(1));
        assertThat(deliveries(hub, "notifications", whileStopped)).as("core NATS is at-most-once").isZero();
        assertThat(deliveries(hub, "audit", before)).as("nothing delivered twice").isEqualTo(1);
    }

    @Test
    void shouldDeliverWhatADurableHeldAtOnceEveryTimeItsRouteStartsAgain() throws Exception {
        // a JetStream durable pushes what it holds the moment the route subscribes again; jnats used to drop
        // such a message when it came before the subscription's handler was filed, and it came back only
        // after the ack wait (30 s), far beyond this wait
        RunningHub hub = start(Map.of("hub.pubsub.audit.jetstream", "true"));
        // both cores busy, as in a loaded hub: the thread that subscribes is put aside at any point
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> spinners = List.of(new Thread(() -> spin(busy), "spinner-1"), new Thread(() -> spin(busy), "spinner-2"));
        spinners.forEach(spinner -> {
            spinner.setDaemon(true);
            spinner.start();
        });
        try {
            for (int restart = 0; restart < 12; restart++) {
                hub.context().getRouteController().stopRoute("pubsub-audit");
                List<String> whileStopped = publishOrders(3);
                await().untilAsserted(() -> assertThat(deliveries(hub, "analytics", whileStopped)).isEqualTo(3));
                hub.context().getRouteController().startRoute("pubsub-audit");
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(deliveries(hub, "audit", whileStopped))
                        .as("held by the durable, delivered on start").isEqualTo(3));
            }
        } finally {
            busy.set(false);
            for (Thread spinner : spinners) {
                spinner.join();
            }
        }
    }

    private static void spin(AtomicBoolean busy) {
        long n = 0;
        while (busy.get()) {
            n += System.nanoTime() % 7;
        }
        if (n == 42) {
            System.out.print("");
        }
    }

    @Test
    void shouldAddItsSubjectToAnExistingStreamMadeForAnotherSubject() throws Exception {
        // the configured stream exists, made for another subject (by hand, or by a hub with another hub.pubsub.subject)
        try (io.nats.client.Connection c = io.nats.client.Nats.connect(LocalServices.natsServers())) {
            c.jetStreamManagement().addStream(StreamConfiguration.builder().name(nats.stream())
                    .subjects(nats.subject() + ".before").storageType(StorageType.File).build());
        }
        RunningHub hub = start(Map.of());
        String orderId = "order-" + UUID.randomUUID();

        HttpResponse<String> published = hub.send(HttpRequest.newBuilder(hub.uri("/api/pubsub/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"orderId\":\"" + orderId + "\"}")).build());

        assertThat(published.statusCode()).as(published.body()).isEqualTo(202);
        try (io.nats.client.Connection c = io.nats.client.Nats.connect(LocalServices.natsServers())) {
            StreamInfo stream = c.jetStreamManagement().getStreamInfo(nats.stream());
            assertThat(stream.getConfiguration().getSubjects()).contains(nats.subject() + ".before", nats.subject());
            assertThat(stream.getStreamState().getMsgCount()).as("stored by JetStream").isEqualTo(1);
        }
        await().untilAsserted(() -> assertThat(deliveries(hub, "audit", List.of(orderId))).isEqualTo(1));
    }

    @Test
    void shouldStoreWhatASubscriberGaveUpOnAndRedriveItOnceTheSubscriberIsFixed() throws Exception {
        AtomicBoolean fixed = new AtomicBoolean();
        // a subscriber of the user's own, with a bug until it is fixed
        RouteBuilder fragile = new RouteBuilder() {
            @Override
            public void configure() {
                from("nats:" + nats.subject() + "?servers=" + LocalServices.natsServers() + "&replyToDisabled=true")
                    .routeId("pubsub-fragile")
                    .routeConfigurationId("pubsub-failures")
                    .setProperty("hubSubscriber", constant("fragile"))
                    .process(e -> {
                        if (!fixed.get()) {
                            throw new IllegalStateException("fragile subscriber is broken");
                        }
                    })
                    .to("bean:deliveryLog?method=record('fragile', ${exchange})");
            }
        };
        RunningHub hub = start(Map.of("hub.pubsub.max-attempts", "2"), null, fragile);
        String source = nats.subject() + ".dlq";
        List<String> ids = publishOrders(3);

        await().untilAsserted(() -> assertThat(deliveries(hub, "audit", ids)).isEqualTo(3));
        await().untilAsserted(() -> assertThat(JSON.readTree(admin(hub, "GET", "/admin/dead-letters/" + source, null).body())
                .get("messages")).hasSize(3));
        JsonNode letter = JSON.readTree(admin(hub, "GET", "/admin/dead-letters/" + source, null).body()).get("messages").get(0);
        assertThat(letter.get("failedRoute").asText()).isEqualTo("pubsub-fragile");
        assertThat(letter.get("reason").asText()).isEqualTo("fragile subscriber is broken");
        assertThat(letter.get("headers").get("x-subscriber").asText()).isEqualTo("fragile");
        JsonNode sources = JSON.readTree(admin(hub, "GET", "/admin/dead-letters", null).body()).get("sources");
        assertThat(sources.toString()).contains("\"source\":\"" + source + "\",\"broker\":\"nats\",\"depth\":3");

        fixed.set(true);
        HttpResponse<String> redrive = admin(hub, "POST", "/admin/dead-letters/" + source + "/redrive",
                "{\"route\":\"pubsub-fragile\"}");
        assertThat(redrive.statusCode()).as(redrive.body()).isEqualTo(200);
        assertThat(JSON.readTree(redrive.body()).get("redriven").asInt()).isEqualTo(3);

        await().untilAsserted(() -> assertThat(deliveries(hub, "fragile", ids)).isEqualTo(3));
        // every subscriber got the redriven orders again; those that had them changed nothing
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            for (String subscriber : List.of("notifications", "audit", "analytics", "fragile")) {
                assertThat(deliveries(hub, subscriber, ids)).as(subscriber).isEqualTo(3);
            }
        });
        assertThat(JSON.readTree(admin(hub, "GET", "/admin/dead-letters/" + source, null).body()).get("messages")).isEmpty();
    }

    @Test
    void shouldDeliverAJetStreamMessageAgainWhenItsRouteFailedInsteadOfAcknowledgingIt() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        // a subscriber of the user's own on hub-nats: without an error handler, so its failure reaches the consumer
        RouteBuilder flaky = new RouteBuilder() {
            @Override
            public void configure() {
                from("hub-nats:" + nats.subject() + "?servers=" + LocalServices.natsServers() + "&replyToDisabled=true"
                        + "&jetstreamEnabled=true&jetstreamName=" + nats.stream() + "&durableName=it-flaky-" + UUID.randomUUID())
                    .routeId("pubsub-flaky")
                    .errorHandler(noErrorHandler())
                    .process(e -> {
                        if (tries.incrementAndGet() == 1) {
                            throw new IllegalStateException("the first try fails");
                        }
                    })
                    .to("bean:deliveryLog?method=record('flaky', ${exchange})");
            }
        };
        RunningHub hub = start(Map.of(), null, flaky);
        await().until(() -> hub.context().getRouteController().getRouteStatus("pubsub-flaky").isStarted());
        List<String> ids = publishOrders(1);

        // camel-nats 4.17 acknowledges a message whose route failed; hub-nats leaves it to JetStream to deliver again
        await().untilAsserted(() -> assertThat(deliveries(hub, "flaky", ids)).isEqualTo(1));
        assertThat(tries.get()).isEqualTo(2);
    }

    @Test
    void shouldAnswerACoreNatsRequestFromAHubNatsRouteAsNatsDoes() throws Exception {
        String subject = nats.subject() + ".ping";
        RouteBuilder ping = new RouteBuilder() {
            @Override
            public void configure() {
                from("hub-nats:" + subject + "?servers=" + LocalServices.natsServers() + "&replyToDisabled=false")
                    .routeId("pubsub-ping")
                    .setBody(simple("pong ${body}"));
            }
        };
        RunningHub hub = start(Map.of(), null, ping);
        await().until(() -> hub.context().getRouteController().getRouteStatus("pubsub-ping").isStarted());
        assertThat(nats.request(subject, "1")).isEqualTo("pong 1");
    }

    private static HttpResponse<String> admin(RunningHub hub, String method, String path, String body) {
        HttpRequest.Builder request = hub.adminRequest(path);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return hub.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private RunningHub start(Map<String, String> overrides) {
        return start(overrides, null);
    }

    /** Starts a hub; with {@code sharing} it uses that hub's database, as instances behind one load balancer do. */
    private RunningHub start(Map<String, String> overrides, RunningHub sharing, RoutesBuilder... extraRoutes) {
        Map<String, String> settings = new HashMap<>(nats.hubSettings());
        settings.putAll(overrides);
        Path dir = workDir.resolve("hub-" + hubs.size());
        if (sharing != null) {
            settings.put("hub.datasource.url", RunningHub.defaults(workDir.resolve("hub-0")).get("hub.datasource.url"));
        }
        RunningHub hub = RunningHub.start(dir, settings, extraRoutes);
        hubs.add(hub);
        await().untilAsserted(() -> {
            for (String route : List.of("pubsub-notifications", "pubsub-audit", "pubsub-analytics")) {
                assertThat(hub.context().getRouteController().getRouteStatus(route).isStarted()).isTrue();
            }
        });
        return hub;
    }

    private List<String> publishOrders(int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "order-" + UUID.randomUUID();
            ids.add(id);
            nats.publish("{\"orderId\":\"" + id + "\",\"amount\":" + i + "}");
        }
        return ids;
    }

    private static int deliveries(RunningHub hub, String subscriber, List<String> ids) throws Exception {
        return queryInt(hub, "SELECT COUNT(*) FROM pubsub_delivery WHERE subscriber = '" + subscriber + "' AND order_id IN " + in(ids));
    }

    private static String in(List<String> ids) {
        return "('" + String.join("','", ids) + "')";
    }

    private static int queryInt(RunningHub hub, String sql) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
