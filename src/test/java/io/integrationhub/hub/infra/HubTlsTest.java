package io.integrationhub.hub.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import io.integrationhub.hub.testkit.TestCertificates;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** hub.tls.* that cannot work stops the start with a message naming the setting; the password may come from a file. */
class HubTlsTest {

    @TempDir
    Path dir;

    private static HubTls read(Map<String, String> settings) throws Exception {
        Properties properties = new Properties();
        properties.put("hub.tls.enabled", "false");
        properties.put("hub.tls.client-auth", "none");
        properties.putAll(settings);
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setInitialProperties(properties);
            return HubTls.read(context);
        }
    }

    @Test
    void shouldNameTheSettingThatIsMissingOrWrong() {
        assertThatThrownBy(() -> read(Map.of("hub.tls.enabled", "true")))
                .hasMessageContaining("hub.tls.keystore");
        assertThatThrownBy(() -> read(Map.of("hub.tls.enabled", "true", "hub.tls.keystore", dir.resolve("none.p12").toString())))
                .hasMessageContaining("hub.tls.keystore").hasMessageContaining("cannot read");
        Path store = TestCertificates.selfSigned(dir.resolve("hub.p12"), "hub", "right-password");
        assertThatThrownBy(() -> read(Map.of("hub.tls.enabled", "true", "hub.tls.keystore", store.toString(),
                "hub.tls.keystore-password", "wrong-password")))
                .hasMessageContaining("hub.tls.keystore-password");
        assertThatThrownBy(() -> read(Map.of("hub.tls.client-auth", "required")))
                .hasMessageContaining("hub.tls.client-auth=required needs hub.tls.enabled=true");
        assertThatThrownBy(() -> read(Map.of("hub.tls.client-auth", "sometimes")))
                .hasMessageContaining("hub.tls.client-auth").hasMessageContaining("none, optional or required");
    }

    @Test
    void shouldReadThePasswordFromAFileAndTrustTheOwnCertificate() throws Exception {
        Path store = TestCertificates.selfSigned(dir.resolve("hub.p12"), "hub", "file-password");
        Path password = Files.writeString(dir.resolve("password"), "file-password\n");
        HubTls tls = read(Map.of("hub.tls.enabled", "true", "hub.tls.keystore", store.toString(),
                "hub.tls.keystore-password-file", password.toString(), "hub.tls.client-auth", "optional"));
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.clientAuth()).isEqualTo(HubTls.ClientAuth.OPTIONAL);
        var own = TestCertificates.load(store, "file-password").getCertificate("hub");
        var trusted = (javax.net.ssl.X509TrustManager) tls.clientTrust().getTrustManagers()[0];
        assertThat(trusted.getAcceptedIssuers()).contains((java.security.cert.X509Certificate) own);
        // the JVM's authorities stay trusted beside it
        assertThat(trusted.getAcceptedIssuers().length).isGreaterThan(1);
    }

    @Test
    void shouldLeaveTheJvmDefaultsAloneWithoutTlsOrTrustStore() throws Exception {
        HubTls tls = read(Map.of());
        assertThat(tls.enabled()).isFalse();
        assertThat(tls.clientTrust()).isNull();
    }
}
