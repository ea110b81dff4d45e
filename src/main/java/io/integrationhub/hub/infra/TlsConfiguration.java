package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's own clients follow {@code hub.tls.*} ({@link HubTls}, read by {@link HttpServerConfiguration}):
 * <ul>
 *   <li>HTTP clients (camel-http's {@code http} and {@code https}, the saga's {@code saga-http}) trust
 *   what {@link HubTls#clientTrust()} trusts (the SSL context parameters set here, also as Camel's global ones);</li>
 *   <li>with TLS on, {@code grpc} is {@link TlsGrpcComponent}: the gRPC server speaks TLS, and so does
 *   the bridge that calls it;</li>
 *   <li>with TLS on, {@code hub.self-url} (how the defaults reach this hub's own port) turns to
 *   {@code https://} when it is the plain default: that port no longer speaks plain HTTP.</li>
 * </ul>
 * Runs after {@link HttpServerConfiguration} and before any route is built.
 */
public final class TlsConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(TlsConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        HubTls tls = context.getRegistry().lookupByNameAndType(HubTls.BEAN, HubTls.class);
        if (tls == null) {
            throw new IllegalStateException("TlsConfiguration runs after HttpServerConfiguration, which reads hub.tls.*");
        }
        if (tls.clientTrust() != null) {
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setTrustManager(tls.clientTrust().getTrustManagers()[0]);
            SSLContextParameters clients = new SSLContextParameters();
            clients.setTrustManagers(trust);
            // global for the saga's own saga-http (SagaConfiguration); camel-http uses the global
            // parameters only for endpoints whose URI is https:, and the hub's calls go through
            // http://gateway-like endpoints with the URL in a header: the components get them directly
            context.setSSLContextParameters(clients);
            for (String scheme : new String[] {"http", "https"}) {
                context.getComponent(scheme, HttpComponent.class).setSslContextParameters(clients);
            }
        }
        if (!tls.enabled()) {
            return;
        }
        context.addComponent("grpc", new TlsGrpcComponent(tls));
        String port = HubSettings.required(context, "camel.server.port");
        String self = HubSettings.required(context, "hub.self-url");
        if (self.equals("http://localhost:" + port)) {
            context.getPropertiesComponent().addOverrideProperty("hub.self-url", "https://localhost:" + port);
        } else if (self.startsWith("http://")) {
            LOG.warn("hub.tls.enabled=true but hub.self-url={} is plain HTTP: the defaults that call this hub "
                    + "through it will fail unless it points at a plain-HTTP proxy", self);
        }
        LOG.info("TLS on: HTTPS on port {}, gRPC over TLS on port {} (client certificates: {})", port,
                HubSettings.required(context, "hub.grpc.port"), tls.clientAuth().name().toLowerCase(java.util.Locale.ROOT));
    }
}
