package io.integrationhub.hub.infra;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Locale;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import io.integrationhub.hub.common.HubSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PfxOptions;
import org.apache.camel.CamelContext;

/**
 * The hub's TLS material, read once at start from {@code hub.tls.*}:
 * <ul>
 *   <li>the key store ({@code hub.tls.keystore}, PKCS12) the HTTP port and the gRPC server present;</li>
 *   <li>what the hub's own clients trust (calls to the stand-ins, the gateway and order-view legs, the
 *   gRPC bridge): the JVM's certificate authorities, plus {@code hub.tls.truststore} when set, plus the
 *   hub's own certificate when TLS is on (so the defaults, which call this hub at {@code localhost},
 *   work with a self-signed certificate);</li>
 *   <li>which client certificates the gRPC server accepts when {@code hub.tls.client-auth} asks for
 *   them: those {@code hub.tls.truststore} trusts, or the hub's own certificate when no truststore is set.</li>
 * </ul>
 * Passwords come from {@code hub.tls.keystore-password} / {@code hub.tls.truststore-password} (the
 * environment: {@code HUB_TLS_KEYSTORE_PASSWORD}) or from a file ({@code …-password-file}), never
 * from the repository.
 */
public final class HubTls {

    /** Whether the gRPC server asks the client for a certificate ({@code hub.tls.client-auth}). */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRED }

    /** Name of the hub's TLS in the registry. */
    public static final String BEAN = "hubTls";

    private final boolean enabled;
    private final byte[] keyStoreBytes;
    private final char[] keyStorePassword;
    private final KeyManagerFactory keyManagers;
    private final TrustManagerFactory clientTrust;
    private final TrustManagerFactory peerTrust;
    private final ClientAuth clientAuth;

    private HubTls(boolean enabled, byte[] keyStoreBytes, char[] keyStorePassword, KeyManagerFactory keyManagers,
            TrustManagerFactory clientTrust, TrustManagerFactory peerTrust, ClientAuth clientAuth) {
        this.enabled = enabled;
        this.keyStoreBytes = keyStoreBytes;
        this.keyStorePassword = keyStorePassword;
        this.keyManagers = keyManagers;
        this.clientTrust = clientTrust;
        this.peerTrust = peerTrust;
        this.clientAuth = clientAuth;
    }

    /** Reads {@code hub.tls.*}; fails naming the setting when a store cannot be read or opened. */
    public static HubTls read(CamelContext context) throws IOException, GeneralSecurityException {
        boolean enabled = HubSettings.bool(context, "hub.tls.enabled");
        ClientAuth clientAuth = clientAuth(HubSettings.required(context, "hub.tls.client-auth"));
        KeyStore trustStore = null;
        String trustPath = HubSettings.optional(context, "hub.tls.truststore").filter(v -> !v.isEmpty()).orElse(null);
        if (trustPath != null) {
            trustStore = load("hub.tls.truststore", Files.readAllBytes(readable("hub.tls.truststore", trustPath)),
                    password(context, "hub.tls.truststore-password"));
        }
        if (!enabled) {
            if (clientAuth != ClientAuth.NONE) {
                throw new IllegalArgumentException("Setting hub.tls.client-auth=" + clientAuth.name().toLowerCase(Locale.ROOT)
                        + " needs hub.tls.enabled=true");
            }
            return new HubTls(false, null, null, null, trustStore == null ? null : withJvmAuthorities(trustStore), null,
                    ClientAuth.NONE);
        }
        String keyPath = HubSettings.optional(context, "hub.tls.keystore").filter(v -> !v.isEmpty())
                .orElseThrow(() -> new IllegalArgumentException("hub.tls.enabled=true needs hub.tls.keystore: "
                        + "the path of a PKCS12 file with the hub's key and certificate"));
        byte[] bytes = Files.readAllBytes(readable("hub.tls.keystore", keyPath));
        char[] password = password(context, "hub.tls.keystore-password");
        KeyStore keyStore = load("hub.tls.keystore", bytes, password);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, password);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        copyCertificates(keyStore, trusted, "own-");
        if (trustStore != null) {
            copyCertificates(trustStore, trusted, "trusted-");
        }
        TrustManagerFactory peerTrust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        peerTrust.init(trustStore != null ? trusted(trustStore) : trusted);
        return new HubTls(true, bytes, password, keyManagers, withJvmAuthorities(trusted), peerTrust, clientAuth);
    }

    public boolean enabled() {
        return enabled;
    }

    /** Makes the HTTP server HTTPS only (API, WebSocket, health, metrics share its port). */
    HttpServerOptions applyTo(HttpServerOptions options) {
        if (!enabled) {
            return options;
        }
        return options.setSsl(true).setKeyCertOptions(new PfxOptions()
                .setValue(Buffer.buffer(keyStoreBytes)).setPassword(new String(keyStorePassword)));
    }

    public KeyManagerFactory keyManagers() {
        return keyManagers;
    }

    /** What the hub's own clients trust; null when neither TLS nor a trust store is set (the JVM's own then). */
    public TrustManagerFactory clientTrust() {
        return clientTrust;
    }

    /** Which client certificates the gRPC server accepts (with {@link #clientAuth()} not NONE). */
    public TrustManagerFactory peerTrust() {
        return peerTrust;
    }

    public ClientAuth clientAuth() {
        return clientAuth;
    }

    private static ClientAuth clientAuth(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "optional" -> ClientAuth.OPTIONAL;
            case "required" -> ClientAuth.REQUIRED;
            default -> throw new IllegalArgumentException("Invalid setting hub.tls.client-auth='" + value
                    + "': expected none, optional or required");
        };
    }

    private static Path readable(String key, String file) {
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("Setting " + key + ": cannot read " + path.toAbsolutePath());
        }
        return path;
    }

    private static char[] password(CamelContext context, String key) throws IOException {
        String password = HubSettings.secret(context, key);
        return password == null ? new char[0] : password.toCharArray();
    }

    private static KeyStore load(String key, byte[] bytes, char[] password) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(new ByteArrayInputStream(bytes), password);
            return store;
        } catch (IOException e) {
            // a wrong password and a file that is not PKCS12 both end here; the JDK's message says which
            throw new IllegalArgumentException("Setting " + key + ": cannot open the PKCS12 store (wrong "
                    + key + "-password, or not a PKCS12 file): " + e.getMessage(), e);
        }
    }

    /** A store of trusted certificates only: PKCS12 trust stores may hold key entries too. */
    private static KeyStore trusted(KeyStore source) throws GeneralSecurityException, IOException {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        copyCertificates(source, trusted, "");
        return trusted;
    }

    private static void copyCertificates(KeyStore from, KeyStore to, String prefix) throws GeneralSecurityException {
        for (String alias : Collections.list(from.aliases())) {
            Certificate certificate = from.getCertificate(alias);
            if (certificate != null) {
                to.setCertificateEntry(prefix + alias, certificate);
            }
        }
    }

    /**
     * {@code extra} plus the JVM's default certificate authorities: the hub's clients still reach public
     * HTTPS services when a private trust store is added. Merged into one store so that the JDK's own
     * trust manager does the checking (no hand-written trust manager).
     */
    private static TrustManagerFactory withJvmAuthorities(KeyStore extra) throws GeneralSecurityException, IOException {
        TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jvm.init((KeyStore) null);
        KeyStore merged = trusted(extra);
        int n = 0;
        for (var manager : jvm.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                for (X509Certificate authority : x509.getAcceptedIssuers()) {
                    merged.setCertificateEntry("jvm-" + n++, authority);
                }
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(merged);
        return factory;
    }
}
