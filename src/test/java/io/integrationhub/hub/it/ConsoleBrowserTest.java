package io.integrationhub.hub.it;

import io.integrationhub.hub.testkit.RabbitQueues;
import javax.sql.DataSource;
import java.util.HashMap;
import java.sql.ResultSet;
import java.sql.Connection;
import java.net.http.HttpResponse;
import java.net.http.HttpRequest;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.integrationhub.hub.infra.SpanStore;
import io.integrationhub.hub.infra.TracingConfiguration;
import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.OrderApi;
import io.integrationhub.hub.testkit.RunningHub;
import io.integrationhub.hub.testkit.UserApi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /console} in a real headless browser: Debian's chromium driven by playwright-core
 * (src/test/browser/console.mjs; {@code npm ci} there on first use). The page loads with no console
 * error, lists the routes with their sources, finds an order's trace by the order id and draws its
 * spans. Its screenshot is left in target/console.png (docs/console.png is one of them).
 */
@ExtendWith(KafkaTestKit.class)
class ConsoleBrowserTest {

    private static final Path BROWSER = Path.of("src/test/browser");

    @TempDir
    Path workDir;

    @Test
    void shouldShowTheRoutesAndAnOrdersTraceInHeadlessChromium() throws Exception {
        String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
        assertThat(new File(chromium)).as("Debian's chromium is needed for the browser test: apt-get install chromium "
                + "(.ci/run installs it), or set CHROMIUM to a Chromium binary").exists();
        if (!Files.isDirectory(BROWSER.resolve("node_modules/playwright-core"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund"), Duration.ofMinutes(3));
        }

        String suffix = Long.toString(System.nanoTime(), 36);
        Map<String, String> settings = new HashMap<>(Map.of(
                "hub.eventlog.topics", "user-events-cb-" + suffix + ",order-events-cb-" + suffix,
                "hub.saga.topic", "order-events-cb-" + suffix,
                "hub.eventlog.group", "cb-" + suffix,
                "hub.cqrs.topic", "user-events-cb-" + suffix,
                "hub.cqrs.projector.group", "cb-projector-" + suffix,
                "hub.pubsub.subject", "orders.cb." + suffix));
        try (RabbitQueues rabbit = new RabbitQueues()) {
            settings.putAll(rabbit.hubSettings());
            showInTheConsole(settings, rabbit);
        }
    }

    private void showInTheConsole(Map<String, String> settings, RabbitQueues rabbit) throws Exception {
        try (RunningHub hub = RunningHub.start(workDir, settings)) {
            OrderApi orders = new OrderApi(hub);
            String orderId = UserApi.read(orders.place(OrderApi.order("u-console", "SKU-1", 1, "4.00")).body())
                    .get("orderId").asText();
            String traceId = orders.awaitEnded(orderId, Duration.ofSeconds(60)).get("traceId").asText();
            SpanStore store = hub.context().getRegistry().lookupByNameAndType(TracingConfiguration.STORE, SpanStore.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> store.trace(traceId).size() >= 5);

            // a task no worker knows: dead-lettered at once, for the dead-letters tab
            HttpResponse<String> task = hub.send(HttpRequest.newBuilder(hub.uri("/api/tasks"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"no-such-kind\",\"payload\":{}}")).build());
            assertThat(task.statusCode()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> rabbit.messageCount(rabbit.deadLetterQueue()) == 1);

            Path screenshot = Path.of("target/console.png").toAbsolutePath();
            String output = run(List.of("node", "console.mjs", "http://localhost:" + hub.port(), RunningHub.ADMIN_KEY,
                    orderId, screenshot.toString(), rabbit.deadLetterQueue()), Duration.ofMinutes(2));
            assertThat(output).contains("trace of " + orderId);
            assertThat(output).contains("dead letters: " + rabbit.deadLetterQueue() + " redriven");
            assertThat(screenshot).exists();
            // the redrive from the page was recorded, and the poison came back with its redrive count
            DataSource ds = hub.context().getRegistry().findSingleByType(DataSource.class);
            try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT COUNT(*) FROM dead_letter_action WHERE outcome = 'REDRIVEN'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> rabbit.messageCount(rabbit.deadLetterQueue()) == 1);
        }
    }

    private static String run(List<String> command, Duration within) throws Exception {
        Process process = new ProcessBuilder(command).directory(BROWSER.toFile()).redirectErrorStream(true).start();
        boolean ended = process.waitFor(within.toSeconds(), TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended && process.exitValue() == 0).as(String.join(" ", command) + " failed:\n" + output).isTrue();
        return output;
    }
}
