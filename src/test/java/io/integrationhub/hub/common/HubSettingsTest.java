package io.integrationhub.hub.common;

import io.integrationhub.hub.HubRuntime;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.RunningHub;
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
