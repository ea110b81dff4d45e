package io.integrationhub.hub.common;

import io.integrationhub.hub.HubRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A missing or wrong setting stops the hub at start with a message that names the setting. */
@ExtendWith(KafkaTestKit.class)
class HubSettingsTest {

    @TempDir
    Path workDir;

    @Test
    void shouldRefuseToStartWithAWrongNumberNamingTheSetting() {
        assertThatThrownBy(() -> RunningHub.start(workDir, Map.of("hub.http.read-timeout-ms", "5s")))
                .rootCause()
                .hasMessageContaining("hub.http.read-timeout-ms")
                .hasMessageContaining("'5s'");
    }

    @Test
    void shouldRefuseToStartWithAMalformedUrlNamingTheSetting() {
        assertThatThrownBy(() -> RunningHub.start(workDir, Map.of("hub.service-b.url", "localhost:9000")))
                .rootCause()
                .hasMessageContaining("hub.service-b.url")
                .hasMessageContaining("http://");
    }

    @Test
    void shouldRefuseToStartWithAMissingSettingNamingItAndItsEnvironmentVariable() {
        Map<String, String> settings = new HashMap<>();
        settings.put("hub.datasource.schema", " ");
        assertThatThrownBy(() -> RunningHub.start(workDir, settings))
                .rootCause()
                .hasMessageContaining("Missing setting hub.datasource.schema")
                .hasMessageContaining("HUB_DATASOURCE_SCHEMA");
    }

    @Test
    void shouldRefuseToStartWithAWrongSettingThatNoJavaCodeReadsNamingIt() {
        // hub.tasks.prefetch is only used as {{hub.tasks.prefetch}} in a route: checked by the kind of its default
        assertThatThrownBy(() -> RunningHub.start(workDir, Map.of("hub.tasks.prefetch", "ten")))
                .rootCause()
                .hasMessageContaining("Invalid setting hub.tasks.prefetch='ten'")
                .hasMessageContaining("positive whole number");
    }

    @Test
    void shouldCheckEachSettingByTheKindOfItsShippedDefault() throws Exception {
        Properties shipped = HubSettings.shippedDefaults();
        assertThat(shipped.getProperty("hub.tasks.prefetch")).as("the jar carries config/application.properties").isNotBlank();
        assertThat(checked(shipped, "hub.outbox.batch-size", "0")).contains("positive whole number");
        assertThat(checked(shipped, "hub.breaker.service-b.timeout-ms", "-1")).contains("0 or more");
        assertThat(checked(shipped, "hub.breaker.service-b.timeout-ms", "0")).isNull();
        assertThat(checked(shipped, "hub.rabbitmq.port", "70000")).contains("TCP port");
        assertThat(checked(shipped, "hub.admin.enabled", "yes")).contains("true or false");
        assertThat(checked(shipped, "hub.tracing.sampling-ratio", "half")).contains("a number");
        assertThat(checked(shipped, "hub.payment.url", "localhost:9000/pay")).contains("http://");
        assertThat(checked(shipped, "hub.pubsub.subject", " ")).contains("Missing setting hub.pubsub.subject");
        // empty by default: may stay empty
        assertThat(checked(shipped, "hub.tracing.otlp-endpoint", "")).isNull();
        assertThat(checked(shipped, "hub.tasks.prefetch", "250")).isNull();
    }

    /** The check's message for the shipped defaults with {@code key} set to {@code value}; null when accepted. */
    private static String checked(Properties shipped, String key, String value) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Properties effective = new Properties();
            effective.putAll(shipped);
            effective.setProperty(key, value);
            context.getPropertiesComponent().setInitialProperties(effective);
            HubSettings.checkAgainstShippedDefaults(context, shipped);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Test
    void shouldStartWithTheShippedDefaultOfASettingAnOlderConfigFileLacks() throws Exception {
        Path older = workDir.resolve("older-application.properties");
        Files.write(older, Files.readAllLines(Path.of("config/application.properties")).stream()
                .filter(line -> !line.startsWith("hub.tracing.inner-hops"))
                .map(line -> line.startsWith("hub.tracing.exclude") ? "hub.tracing.exclude = timer:*,seda:*" : line).toList());
        String before = System.getProperty("hub.config");
        System.setProperty("hub.config", older.toString());
        try (RunningHub hub = RunningHub.start(workDir.resolve("older"), Map.of())) {
            assertThat(hub.context().resolvePropertyPlaceholders("{{hub.tracing.inner-hops}}")).isEqualTo("direct:*,bean:*");
            // what the file says still wins over the shipped default
            assertThat(hub.context().resolvePropertyPlaceholders("{{hub.tracing.exclude}}")).isEqualTo("timer:*,seda:*");
        } finally {
            if (before == null) {
                System.clearProperty("hub.config");
            } else {
                System.setProperty("hub.config", before);
            }
        }
    }

    @Test
    void shouldRefuseToStartWithAnUnknownCamelSetting() {
        assertThatThrownBy(() -> RunningHub.start(workDir, Map.of("camel.main.noSuchOption", "true")))
                .hasStackTraceContaining("noSuchOption");
    }

    @Test
    void shouldTakeCommandLineOverridesOfAnyProperty() throws Exception {
        HubRuntime.HubMain main = HubRuntime.create(new String[] {"--hub.service-b.url=http://b.example:81", "-d", "1"});
        main.addOverrideProperty("hub.kafka.brokers", KafkaTestKit.bootstrapServers());
        main.addOverrideProperty("camel.server.port", String.valueOf(RunningHub.freePort()));
        main.addOverrideProperty("hub.kafka.embedded", "false");
        main.addOverrideProperty("hub.datasource.url", "jdbc:h2:mem:settings;DB_CLOSE_DELAY=-1");
        main.addOverrideProperty("hub.routes.reload.enabled", "false");
        main.start();
        try {
            assertThat(main.getCamelContext().resolvePropertyPlaceholders("{{hub.service-b.url}}"))
                    .isEqualTo("http://b.example:81");
        } finally {
            main.stop();
        }
    }
}
