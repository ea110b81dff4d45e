package io.integrationhub.hub.it;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RabbitQueues;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * RabbitMQ stopped and started again ({@code rabbitmqctl stop_app} / {@code start_app}) while four
 * clients submit tasks: during the outage submissions answer 503 with Retry-After; every task
 * answered 202 is DONE afterwards, its work done once ({@code completions = 1}).
 */
@ExtendWith(KafkaTestKit.class)
@Tag("exclusive") // stops the machine's RabbitMQ: runs after the other classes, alone (pom.xml)
class RabbitMqOutageTest {

    @TempDir
    Path workDir;

    /**
     * Awaitility fails an await on any thread's uncaught exception; while RabbitMQ is stopped, Spring
     * AMQP's own deferred channel-close threads die of "Connection refused" (its internals, not the
     * hub's), which made this test fail at random. What the test judges is the answers and the tasks.
     */
    @BeforeAll
    static void ignoreOtherThreadsExceptions() {
        Awaitility.doNotCatchUncaughtExceptionsByDefault();
    }

    @AfterAll
    static void resetAwaitility() {
        Awaitility.reset();
    }

    @Test
    void shouldLoseNoAcceptedTaskAndRunEachOnceAcrossABrokerRestart() throws Exception {
        Queue<String> accepted = new ConcurrentLinkedQueue<>();
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try (RabbitQueues names = new RabbitQueues()) {
            Map<String, String> settings = new HashMap<>(names.hubSettings());
            settings.put("hub.tasks.confirm-timeout-ms", "1000");
            try (RunningHub hub = RunningHub.start(workDir, settings)) {
                for (int c = 0; c < 4; c++) {
                    clients.submit(() -> {
                        while (sending.get()) {
                            HttpResponse<String> response = hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks"))
                                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\",\"payload\":{}}")).build());
                            statuses.merge(response.statusCode(), 1, Integer::sum);
                            if (response.statusCode() == 202) {
                                accepted.add(UserApi.read(response.body()).get("taskId").asText());
                            } else if (response.statusCode() == 503) {
                                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                            }
                        }
                        return null;
                    });
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 100);
                try {
                    rabbitmqctl("stop_app");
                    await().atMost(Duration.ofSeconds(30)).until(() -> statuses.getOrDefault(503, 0) >= 10);
                } finally {
                    rabbitmqctl("start_app");
                }
                int beforeRecovery = accepted.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= beforeRecovery + 100);
                sending.set(false);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                List<String> ids = new ArrayList<>(accepted);
                await().atMost(Duration.ofSeconds(90)).until(() -> count(hub, "status = 'DONE'", ids) == ids.size());
                int once = count(hub, "status = 'DONE' AND completions = 1", ids);
                System.out.printf("RabbitMQ outage under load: answers %s; accepted %d, done %d, done once %d, lost %d%n",
                        new TreeMap<>(statuses), ids.size(), count(hub, "status = 'DONE'", ids), once,
                        ids.size() - count(hub, "status = 'DONE'", ids));
                assertThat(once).as("each accepted task's work done once").isEqualTo(ids.size());
                assertThat(statuses.keySet()).as("answers").isSubsetOf(202, 503);
            }
        }
    }

    private static void rabbitmqctl(String command) throws Exception {
        Process process = new ProcessBuilder("rabbitmqctl", command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("rabbitmqctl %s: %s", command, output).isZero();
    }

    private static int count(RunningHub hub, String where, List<String> ids) throws Exception {
        DataSource ds = hub.context().getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        int total = 0;
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT COUNT(*) FROM task WHERE " + where + " AND task_id IN ('" + String.join("','", chunk) + "')")) {
                rs.next();
                total += rs.getInt(1);
            }
        }
        return total;
    }
}
