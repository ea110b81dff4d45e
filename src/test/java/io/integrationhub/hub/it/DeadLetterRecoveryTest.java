package io.integrationhub.hub.it;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.queue.TaskHandlers;
import io.integrationhub.hub.testkit.HubMetrics;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.ProblemAssert;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Dead-letter recovery against the real brokers: RabbitMQ's {@code tasks.dlq} and a Kafka
 * {@code <topic>.dlt} are listed, read without being consumed, redriven once the bug is fixed (each
 * effect applied once), a redrive loop is refused at the limit, a message is discarded, Kafka
 * replays from a time; bad requests get a clear 4xx.
 */
@ExtendWith(KafkaTestKit.class)
class DeadLetterRecoveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    /** Event topic whose dead letters are redriven. */
    private static final String EVENTS = "events-dlr-" + SUFFIX;
    /** Event topic replayed from a time. */
    private static final String REPLAYED = "replayed-dlr-" + SUFFIX;

    @TempDir
    static Path workDir;

    private static RabbitQueues rabbit;
    private static RunningHub hub;
    private static KafkaProducer<String, String> producer;

    @BeforeAll
    static void startHub() {
        rabbit = new RabbitQueues();
        Map<String, String> settings = new HashMap<>(rabbit.hubSettings());
        settings.put("hub.tasks.retry-delay-ms", "20");
        settings.put("hub.dead-letters.max-redrives", "1");
        settings.put("hub.eventlog.topics", EVENTS + "," + REPLAYED + ",users-dlr-" + SUFFIX + ",orders-dlr-" + SUFFIX);
        settings.put("hub.eventlog.group", "dlr-" + SUFFIX);
        settings.put("hub.eventlog.max-attempts", "2");
        settings.put("hub.eventlog.partitions", "2");
        settings.put("hub.cqrs.topic", "users-dlr-" + SUFFIX);
        settings.put("hub.cqrs.projector.group", "dlr-projector-" + SUFFIX);
        settings.put("hub.saga.topic", "orders-dlr-" + SUFFIX);
        settings.put("hub.saga.choreography.group", "dlr-choreo-" + SUFFIX);
        hub = RunningHub.start(workDir, settings);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestKit.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        await().untilAsserted(() -> assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200));
    }

    @AfterAll
    static void stopHub() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (hub != null) {
            hub.close();
        }
        rabbit.close();
    }

    @Test
    void shouldRedriveFiftyDeadLetteredTasksOnceFixedAndCompleteEachExactlyOnce() throws Exception {
        String gate = "gate-" + UUID.randomUUID();
        List<String> taskIds = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            taskIds.add(submit("gated", "{\"gate\":\"" + gate + "\",\"n\":" + i + "}"));
        }
        String reason = "gate '" + gate + "' is closed";
        await().atMost(Duration.ofSeconds(60)).until(() -> waiting(rabbit.deadLetterQueue(), reason).size() == 50);
        await().until(() -> count("task WHERE status = 'DEAD_LETTERED' AND task_id IN " + in(taskIds)) == 50);

        // listed with its depth
        JsonNode sources = json(admin("GET", "/admin/dead-letters", null));
        JsonNode tasks = find(sources.get("sources"), rabbit.deadLetterQueue());
        assertThat(tasks.get("broker").asText()).isEqualTo("rabbitmq");
        assertThat(tasks.get("depth").asLong()).isGreaterThanOrEqualTo(50);
        assertThat(find(sources.get("sources"), EVENTS + ".dlt").get("broker").asText()).isEqualTo("kafka");

        // read in pages, without consuming anything
        JsonNode first = json(admin("GET", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "?limit=20", null));
        assertThat(first.get("messages")).hasSize(20);
        JsonNode one = first.get("messages").get(0);
        assertThat(one.get("failedRoute").asText()).isEqualTo("queue-task-worker");
        assertThat(one.get("attempts").asInt()).isEqualTo(3);
        assertThat(one.get("redriveCount").asInt()).isZero();
        assertThat(one.get("body").asText()).contains("\"gated\"");
        assertThat(one.get("headers").get("x-task-id").asText()).isIn(taskIds);
        JsonNode second = json(admin("GET", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "?limit=500&after="
                + first.get("next").asText(), null));
        Set<String> seen = new HashSet<>(ids(first.get("messages")));
        seen.addAll(ids(second.get("messages")));
        assertThat(seen).hasSize(first.get("messages").size() + second.get("messages").size());
        assertThat(waiting(rabbit.deadLetterQueue(), reason)).hasSize(50);

        // a dry run changes nothing
        JsonNode dry = json(admin("POST", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive",
                "{\"reason\":\"" + reason + "\",\"dryRun\":true}"));
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("matched").asInt()).isEqualTo(50);
        assertThat(dry.get("redriven").asInt()).isEqualTo(50);
        assertThat(waiting(rabbit.deadLetterQueue(), reason)).hasSize(50);
        assertThat(count("task WHERE status = 'DEAD_LETTERED' AND task_id IN " + in(taskIds))).isEqualTo(50);

        // the bug is fixed: redrive them all, by their reason
        hub.context().getRegistry().findSingleByType(TaskHandlers.class).open(gate);
        HttpResponse<String> redrive = hub.send(hub.adminRequest("/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive")
                .header("Content-Type", "application/json").header("X-Operator", "ops-test")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"" + reason + "\"}")).build());
        assertThat(redrive.statusCode()).as(redrive.body()).isEqualTo(200);
        assertThat(json(redrive).get("redriven").asInt()).isEqualTo(50);
        assertThat(json(redrive).get("redrivenTo").asText()).contains(rabbit.queue());

        await().atMost(Duration.ofSeconds(60)).until(() -> count("task WHERE status = 'DONE' AND task_id IN " + in(taskIds)) == 50);
        assertThat(count("task WHERE completions = 1 AND task_id IN " + in(taskIds))).isEqualTo(50);
        assertThat(waiting(rabbit.deadLetterQueue(), reason)).isEmpty();
        assertThat(count("dead_letter_action WHERE outcome = 'REDRIVEN' AND actor = 'admin:ops-test' AND source = '"
                + rabbit.deadLetterQueue() + "'")).isEqualTo(50);
        assertThat(metric("hub_messages_redriven_total", rabbit.deadLetterQueue())).isGreaterThanOrEqualTo(50);
        JsonNode status = json(hub.get("/api/tasks/" + taskIds.get(0)));
        assertThat(status.get("status").asText()).isEqualTo("DONE");
    }

    @Test
    void shouldRefuseToRedriveAMessageBeyondTheRedriveLimitAndDiscardIt() throws Exception {
        String reason = "always broken " + UUID.randomUUID();
        String taskId = submit("fail", "{\"reason\":\"" + reason + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> waiting(rabbit.deadLetterQueue(), reason).size() == 1);
        String firstId = waiting(rabbit.deadLetterQueue(), reason).get(0).get("id").asText();

        JsonNode redriven = json(admin("POST", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive",
                "{\"ids\":[\"" + firstId + "\"]}"));
        assertThat(redriven.get("redriven").asInt()).isEqualTo(1);

        // it fails again, and comes back with its redrive count
        await().atMost(Duration.ofSeconds(30)).until(() -> waiting(rabbit.deadLetterQueue(), reason).size() == 1
                && waiting(rabbit.deadLetterQueue(), reason).get(0).get("redriveCount").asInt() == 1);
        JsonNode again = waiting(rabbit.deadLetterQueue(), reason).get(0);
        assertThat(again.get("id").asText()).isNotEqualTo(firstId);
        assertThat(again.get("headers").get("x-task-id").asText()).isEqualTo(taskId);

        // the limit (1 here) is reached: refused, left where it is, and recorded
        JsonNode refused = json(admin("POST", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive",
                "{\"reason\":\"" + reason + "\"}"));
        assertThat(refused.get("matched").asInt()).isEqualTo(1);
        assertThat(refused.get("redriven").asInt()).isZero();
        assertThat(refused.get("refused").get(0).get("id").asText()).isEqualTo(again.get("id").asText());
        assertThat(refused.get("refused").get(0).get("reason").asText()).contains("hub.dead-letters.max-redrives");
        assertThat(waiting(rabbit.deadLetterQueue(), reason)).hasSize(1);
        assertThat(count("dead_letter_action WHERE outcome = 'REFUSED' AND message_id = '" + again.get("id").asText() + "'"))
                .isEqualTo(1);

        // discarded: gone, recorded; a second discard finds nothing
        String path = "/admin/dead-letters/" + rabbit.deadLetterQueue() + "/" + again.get("id").asText();
        HttpResponse<String> discarded = admin("DELETE", path, null);
        assertThat(discarded.statusCode()).isEqualTo(200);
        assertThat(json(discarded).get("outcome").asText()).isEqualTo("DISCARDED");
        assertThat(waiting(rabbit.deadLetterQueue(), reason)).isEmpty();
        assertThat(count("dead_letter_action WHERE outcome = 'DISCARDED' AND message_id = '" + again.get("id").asText() + "'"))
                .isEqualTo(1);
        ProblemAssert.assertProblem(admin("DELETE", path, null), 404, path);
        assertThat(json(hub.get("/api/tasks/" + taskId)).get("status").asText()).isEqualTo("DEAD_LETTERED");
    }

    @Test
    void shouldRedriveAKafkaDeadLetterOnceItsConsumerIsFixedAndApplyItOnce() throws Exception {
        // the projection's column is too narrow for this event type: a bug, dead-lettered after its attempts
        String key = "entity-" + UUID.randomUUID();
        String eventType = "Renamed" + "X".repeat(150);
        producer.send(new ProducerRecord<>(EVENTS, key, envelope(UUID.randomUUID().toString(), eventType))).get();
        String dlt = EVENTS + ".dlt";
        await().atMost(Duration.ofSeconds(60)).until(() -> waitingWithKey(dlt, key).size() == 1);
        JsonNode letter = waitingWithKey(dlt, key).get(0);
        assertThat(letter.get("failedRoute").asText()).isEqualTo("eventlog-" + EVENTS);
        assertThat(letter.get("headers").get("x-original-topic").asText()).isEqualTo(EVENTS);
        assertThat(count("event_applied WHERE entity_id = '" + key + "'")).isZero();

        // fixed: the column is widened
        execute("ALTER TABLE event_applied ALTER COLUMN event_type SET DATA TYPE VARCHAR(300)");
        execute("ALTER TABLE entity_projection ALTER COLUMN last_event_type SET DATA TYPE VARCHAR(300)");

        JsonNode redriven = json(admin("POST", "/admin/dead-letters/" + dlt + "/redrive",
                "{\"ids\":[\"" + letter.get("id").asText() + "\"]}"));
        assertThat(redriven.get("redriven").asInt()).isEqualTo(1);
        assertThat(redriven.get("redrivenTo").asText()).isEqualTo("topic " + EVENTS);

        await().atMost(Duration.ofSeconds(30)).until(() -> count("event_applied WHERE entity_id = '" + key + "'") == 1);
        assertThat(waitingWithKey(dlt, key)).isEmpty();
        // redriving everything left changes nothing: the record left the list when Kafka acknowledged it
        JsonNode rest = json(admin("POST", "/admin/dead-letters/" + dlt + "/redrive", "{\"all\":true}"));
        assertThat(rest.get("ids").toString()).doesNotContain(letter.get("id").asText());
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> count("event_applied WHERE entity_id = '" + key + "'") == 1);
        assertThat(single("SELECT event_count FROM entity_projection WHERE entity_id = '" + key + "'")).isEqualTo("1");
        assertThat(count("dead_letter_action WHERE outcome = 'REDRIVEN' AND source = '" + dlt + "' AND message_id = '"
                + letter.get("id").asText() + "'")).isEqualTo(1);
    }

    @Test
    void shouldReplayATopicFromATimeAndCountItFirstWithADryRun() throws Exception {
        Instant now = Instant.now();
        String early = "early-" + UUID.randomUUID();
        String late = "late-" + UUID.randomUUID();
        // record times set by the producer (CreateTime): two an hour ago, two a minute ago
        for (int i = 0; i < 2; i++) {
            producer.send(new ProducerRecord<>(REPLAYED, null, now.minusSeconds(3600).toEpochMilli(), early,
                    envelope(UUID.randomUUID().toString(), "Created"))).get();
        }
        for (int i = 0; i < 2; i++) {
            producer.send(new ProducerRecord<>(REPLAYED, null, now.minusSeconds(60).toEpochMilli(), late,
                    envelope(UUID.randomUUID().toString(), "Updated"))).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count("event_applied WHERE entity_id IN ('" + early + "', '" + late + "')") == 4);

        JsonNode dry = json(admin("POST", "/admin/replay/" + REPLAYED + "?dryRun=true&from="
                + enc(now.minusSeconds(600).toString()), ""));
        assertThat(dry.get("status").asText()).isEqualTo("DRY_RUN");
        assertThat(sum(dry.get("recordsByPartition"))).isEqualTo(2);
        JsonNode all = json(admin("POST", "/admin/replay/" + REPLAYED + "?dryRun=true&from="
                + enc(now.minusSeconds(7200).toString()), ""));
        assertThat(sum(all.get("recordsByPartition"))).isEqualTo(4);

        long duplicatesBefore = HubMetrics.sum(hub.get("/observe/metrics").body(), "hub_messages_duplicates_total",
                "eventlog-" + REPLAYED);
        HttpResponse<String> replay = admin("POST", "/admin/replay/" + REPLAYED + "?from=" + enc(now.minusSeconds(600).toString()), "");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(202);
        assertThat(json(replay).get("status").asText()).isEqualTo("REPLAYING");
        assertThat(json(replay).get("consumerGroups").toString()).contains("dlr-" + SUFFIX + "-" + REPLAYED);
        // read again from that time; applied once all the same (by eventId), nothing cleared
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                hub.context().getRouteController().getRouteStatus("eventlog-" + REPLAYED).isStarted()).isTrue());
        String marker = "marker-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(REPLAYED, marker, envelope(UUID.randomUUID().toString(), "Created"))).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> count("event_applied WHERE entity_id = '" + marker + "'") == 1);
        // the two records of the last ten minutes were read again, and found applied already
        await().atMost(Duration.ofSeconds(10)).until(() -> HubMetrics.sum(hub.get("/observe/metrics").body(),
                "hub_messages_duplicates_total", "eventlog-" + REPLAYED) - duplicatesBefore == 2);
        assertThat(single("SELECT event_count FROM entity_projection WHERE entity_id = '" + late + "'")).isEqualTo("2");
        assertThat(single("SELECT event_count FROM entity_projection WHERE entity_id = '" + early + "'")).isEqualTo("2");

        String future = enc(Instant.now().plusSeconds(3600).toString());
        ProblemAssert.assertProblem(admin("POST", "/admin/replay/" + REPLAYED + "?from=" + future, ""), 400, null);
        ProblemAssert.assertProblem(admin("POST", "/admin/replay/" + REPLAYED + "?from=yesterday", ""), 400, null);
        ProblemAssert.assertProblem(admin("POST", "/admin/replay/" + REPLAYED + "?dryRun=perhaps", ""), 400, null);
        ProblemAssert.assertProblem(admin("POST", "/admin/replay/no-such-topic?dryRun=true", ""), 404, null);
    }

    @Test
    void shouldRefuseBadRecoveryRequestsWithAClearProblem() throws Exception {
        String redrive = "/admin/dead-letters/" + rabbit.deadLetterQueue() + "/redrive";
        ProblemAssert.assertProblem(admin("GET", "/admin/dead-letters/no-such.dlq", null), 404, "/admin/dead-letters/no-such.dlq");
        ProblemAssert.assertProblem(admin("POST", "/admin/dead-letters/no-such.dlq/redrive", "{\"all\":true}"), 404, null);
        ProblemAssert.assertProblem(admin("POST", redrive, "{}"), 400, redrive);
        assertThat(ProblemAssert.assertProblem(admin("POST", redrive, "{\"dryRun\":true}"), 400, redrive)
                .get("detail").asText()).contains("say which messages");
        ProblemAssert.assertProblem(admin("POST", redrive, "{\"all\":true,\"ids\":[\"x\"]}"), 400, redrive);
        ProblemAssert.assertProblem(admin("POST", redrive, "{\"ids\":\"x\"}"), 400, redrive);
        ProblemAssert.assertProblem(admin("POST", redrive, "{\"colour\":\"red\"}"), 400, redrive);
        assertThat(ProblemAssert.assertProblem(admin("POST", redrive, "{\"from\":\"yesterday\"}"), 400, redrive)
                .get("detail").asText()).contains("ISO-8601");
        ProblemAssert.assertProblem(admin("POST", redrive, "{\"from\":\"" + Instant.now().plusSeconds(3600) + "\"}"), 400, redrive);
        ProblemAssert.assertProblem(admin("POST", redrive, "{\"from\":\"2026-11-29T10:00:00Z\",\"to\":\"2026-11-28T10:00:00Z\"}"),
                400, redrive);
        ProblemAssert.assertProblem(admin("GET", "/admin/dead-letters/" + rabbit.deadLetterQueue() + "?limit=0", null), 400, null);
        ProblemAssert.assertProblem(hub.send(hub.adminRequest(redrive).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("all")).build()), 415, redrive);
        ProblemAssert.assertProblem(hub.send(HttpRequest.newBuilder(hub.uri("/admin/dead-letters")).GET().build()), 401,
                "/admin/dead-letters");
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static String submit(String type, String payload) throws Exception {
        HttpResponse<String> accepted = hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"" + type + "\",\"payload\":" + payload + "}")).build());
        assertThat(accepted.statusCode()).isEqualTo(202);
        return JSON.readTree(accepted.body()).get("taskId").asText();
    }

    private static HttpResponse<String> admin(String method, String path, String body) {
        HttpRequest.Builder request = hub.adminRequest(path);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return hub.send(request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** The messages waiting in {@code source} whose reason contains {@code reason}. */
    private static List<JsonNode> waiting(String source, String reason) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode m : json(admin("GET", "/admin/dead-letters/" + source + "?limit=500", null)).get("messages")) {
            if (m.get("reason").asText().contains(reason)) {
                found.add(m);
            }
        }
        return found;
    }

    private static List<JsonNode> waitingWithKey(String source, String key) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode m : json(admin("GET", "/admin/dead-letters/" + source + "?limit=500", null)).get("messages")) {
            if (key.equals(m.get("headers").path("kafka.KEY").asText())) {
                found.add(m);
            }
        }
        return found;
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static JsonNode find(JsonNode sources, String name) {
        for (JsonNode s : sources) {
            if (s.get("source").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no source " + name + " in " + sources);
    }

    private static List<String> ids(JsonNode messages) {
        List<String> ids = new ArrayList<>();
        messages.forEach(m -> ids.add(m.get("id").asText()));
        return ids;
    }

    private static long sum(JsonNode byPartition) {
        long total = 0;
        for (JsonNode n : byPartition) {
            total += n.asLong();
        }
        return total;
    }

    private static String envelope(String eventId, String event) {
        return "{\"eventId\":\"" + eventId + "\",\"event\":\"" + event + "\",\"occurredAt\":\"" + Instant.now()
                + "\",\"data\":{}}";
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String in(List<String> ids) {
        return "('" + String.join("','", ids) + "')";
    }

    private static long metric(String name, String source) {
        double total = 0;
        for (String line : hub.get("/observe/metrics").body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains("source=\"" + source + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Math.round(total);
    }

    private static DataSource dataSource() {
        return hub.context().getRegistry().findSingleByType(DataSource.class);
    }

    private static long count(String fromWhere) throws Exception {
        return Long.parseLong(single("SELECT COUNT(*) FROM " + fromWhere));
    }

    private static String single(String sql) throws Exception {
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void execute(String sql) throws Exception {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
