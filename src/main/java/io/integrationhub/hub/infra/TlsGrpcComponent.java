package io.integrationhub.hub.infra;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NegotiationType;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.component.grpc.GrpcAuthType;
import org.apache.camel.component.grpc.GrpcComponent;
import org.apache.camel.component.grpc.GrpcComponentConfigurer;
import org.apache.camel.component.grpc.GrpcConfiguration;
import org.apache.camel.component.grpc.GrpcConstants;
import org.apache.camel.component.grpc.GrpcConsumer;
import org.apache.camel.component.grpc.GrpcEndpoint;
import org.apache.camel.component.grpc.GrpcEndpointConfigurer;
import org.apache.camel.component.grpc.GrpcProducer;
import org.apache.camel.component.grpc.server.BindableServiceFactory;
import org.apache.camel.component.grpc.server.DefaultBindableServiceFactory;
import org.apache.camel.component.grpc.server.GrpcHeaderInterceptor;
import org.apache.camel.spi.PropertyConfigurer;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.support.SynchronousDelegateProducer;

/**
 * camel-grpc with the hub's TLS ({@link HubTls}), registered as {@code grpc} when {@code hub.tls.enabled=true}.
 * <p>
 * Written by hand because camel-grpc 4.17 cannot do what the hub needs: its TLS server always requires
 * a client certificate ({@code ClientAuth.REQUIRE}) and uses the OpenSSL provider (netty-tcnative,
 * not on the hub's class path); its TLS client always presents one; both take PEM files only. Here the
 * server presents the hub's PKCS12 key with the JDK provider and asks for a client certificate only as
 * {@code hub.tls.client-auth} says; the client trusts what the hub's clients trust and presents the
 * hub's certificate (accepted by its own server under {@code required}). Every other option is built
 * exactly as camel-grpc's own consumer and producer do; the server or channel is put into their
 * (private) field, the one thing their protected builder methods allow.
 */
public final class TlsGrpcComponent extends GrpcComponent {

    private final HubTls tls;

    public TlsGrpcComponent(HubTls tls) {
        this.tls = tls;
    }

    // Camel finds a component's generated option setters by its class name; this subclass has none of
    // its own, so camel-grpc's are named here
    private final PropertyConfigurer componentOptions = new GrpcComponentConfigurer();
    private final PropertyConfigurer endpointOptions = new GrpcEndpointConfigurer();

    @Override
    public PropertyConfigurer getComponentPropertyConfigurer() {
        return componentOptions;
    }

    @Override
    public PropertyConfigurer getEndpointPropertyConfigurer() {
        return endpointOptions;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        GrpcEndpoint parsed = (GrpcEndpoint) super.createEndpoint(uri, remaining, parameters);
        return new TlsEndpoint(uri, this, parsed.getConfiguration());
    }

    private final class TlsEndpoint extends GrpcEndpoint {
        TlsEndpoint(String uri, GrpcComponent component, GrpcConfiguration configuration) {
            super(uri, component, configuration);
        }

        @Override
        public Producer createProducer() throws Exception {
            if (configuration.isToRouteControlledStreamObserver()) {
                return super.createProducer(); // answers a gRPC call the route received: no channel of its own
            }
            // as GrpcEndpoint does: a synchronous endpoint is called through the blocking stub
            Producer producer = new TlsProducer(this, configuration);
            return configuration.isSynchronous() ? new SynchronousDelegateProducer(producer) : producer;
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            TlsConsumer consumer = new TlsConsumer(this, processor, configuration);
            configureConsumer(consumer);
            return consumer;
        }
    }

    private final class TlsConsumer extends GrpcConsumer {
        TlsConsumer(GrpcEndpoint endpoint, Processor processor, GrpcConfiguration configuration) {
            super(endpoint, processor, configuration);
        }

        @Override
        protected void initializeServer() throws Exception {
            SslContextBuilder ssl = SslContextBuilder.forServer(tls.keyManagers())
                    .clientAuth(switch (tls.clientAuth()) {
                        case NONE -> ClientAuth.NONE;
                        case OPTIONAL -> ClientAuth.OPTIONAL;
                        case REQUIRED -> ClientAuth.REQUIRE;
                    });
            if (tls.clientAuth() != HubTls.ClientAuth.NONE) {
                ssl.trustManager(tls.peerTrust());
            }
            SslContext sslContext = GrpcSslContexts.configure(ssl, SslProvider.JDK).build();

            GrpcConfiguration c = configuration;
            if (c.getAuthenticationType() != GrpcAuthType.NONE) {
                throw new IllegalArgumentException("the hub's gRPC over TLS does not take authenticationType="
                        + c.getAuthenticationType() + " (" + endpoint.getEndpointUri() + ")");
            }
            BindableServiceFactory factory = CamelContextHelper.lookup(endpoint.getCamelContext(),
                    GrpcConstants.GRPC_BINDABLE_SERVICE_FACTORY_NAME, BindableServiceFactory.class);
            BindableService service = (factory != null ? factory : new DefaultBindableServiceFactory())
                    .createBindableService(this);
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(c.getHost(), c.getPort()))
                    .sslContext(sslContext);
            for (ServerInterceptor interceptor : c.getServerInterceptors()) {
                builder.intercept(interceptor);
            }
            if (c.getMaxRstFramesPerWindow() > 0 && c.getMaxRstPeriodSeconds() > 0) {
                builder.maxRstFramesPerWindow(c.getMaxRstFramesPerWindow(), c.getMaxRstPeriodSeconds());
            }
            builder.addService(ServerInterceptors.intercept(service, new GrpcHeaderInterceptor()))
                    .maxInboundMessageSize(c.getMaxMessageSize())
                    .flowControlWindow(c.getFlowControlWindow())
                    .maxConcurrentCallsPerConnection(c.getMaxConcurrentCallsPerConnection())
                    .initialFlowControlWindow(c.getInitialFlowControlWindow())
                    .keepAliveTime(c.getKeepAliveTime(), TimeUnit.MILLISECONDS)
                    .keepAliveTimeout(c.getKeepAliveTimeout(), TimeUnit.MILLISECONDS)
                    .maxConnectionAge(c.getMaxConnectionAge(), TimeUnit.MILLISECONDS)
                    .maxConnectionIdle(c.getMaxConnectionIdle(), TimeUnit.MILLISECONDS)
                    .maxConnectionAgeGrace(c.getMaxConnectionAgeGrace(), TimeUnit.MILLISECONDS)
                    .maxInboundMetadataSize(c.getMaxInboundMetadataSize())
                    .permitKeepAliveTime(c.getPermitKeepAliveTime(), TimeUnit.MILLISECONDS)
                    .permitKeepAliveWithoutCalls(c.isPermitKeepAliveWithoutCalls());
            setPrivate(GrpcConsumer.class, this, "server", builder.build());
        }
    }

    private final class TlsProducer extends GrpcProducer {
        TlsProducer(GrpcEndpoint endpoint, GrpcConfiguration configuration) {
            super(endpoint, configuration);
        }

        @Override
        protected void initializeChannel() throws Exception {
            SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                    .trustManager(tls.clientTrust())
                    .keyManager(tls.keyManagers());
            GrpcConfiguration c = configuration;
            setPrivate(GrpcProducer.class, this, "channel", NettyChannelBuilder.forAddress(c.getHost(), c.getPort())
                    .sslContext(ssl.build())
                    .negotiationType(NegotiationType.TLS)
                    .flowControlWindow(c.getFlowControlWindow())
                    .userAgent(c.getUserAgent())
                    .maxInboundMessageSize(c.getMaxMessageSize())
                    .intercept(c.getClientInterceptors())
                    .build());
        }
    }

    private static void setPrivate(Class<?> owner, Object target, String name, Object value) {
        try {
            Field field = owner.getDeclaredField(name);
            field.setAccessible(true);
            field.set(target, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("camel-grpc changed: cannot set the TLS " + name + " of " + owner.getSimpleName(), e);
        }
    }
}
