package io.integrationhub.hub.infra;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.component.nats.NatsComponent;
import org.apache.camel.component.nats.NatsComponentConfigurer;
import org.apache.camel.component.nats.NatsConfiguration;
import org.apache.camel.component.nats.NatsEndpoint;
import org.apache.camel.component.nats.NatsEndpointConfigurer;
import org.apache.camel.spi.PropertyConfigurer;

/**
 * Camel's {@code nats} component (same URI options, same producer) whose consumer keeps several
 * messages of a subscription in flight: scheme {@value #SCHEME}, registered by {@link io.integrationhub.hub.infra.NatsConfiguration}.
 * camel-nats 4.17 runs each message's route to its end on the subscription's one dispatcher thread,
 * so a route that commits per message (the pub/sub delivery log) commits one message at a time; and
 * its JetStream consumer acknowledges a message when that call returns, even when the route failed.
 * {@link GroupedNatsConsumer} starts each message's route without waiting for it (up to
 * {@code maxInFlight} at once), so their writes can share a commit, and acknowledges a JetStream
 * message only once its route completed (a failure is redelivered).
 */
public class GroupedNatsComponent extends NatsComponent {

    public static final String SCHEME = "hub-nats";

    private int maxInFlight = 64;
    private Duration ackWait = Duration.ofSeconds(30);

    public int getMaxInFlight() {
        return maxInFlight;
    }

    /** How many messages of one subscription may be in their routes at once. */
    public void setMaxInFlight(int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
    }

    public Duration getAckWait() {
        return ackWait;
    }

    /**
     * How long JetStream waits for a subscriber's acknowledgement before it delivers the message again
     * (its durable consumers' ack wait): after a hub instance died with messages in flight, they reach
     * a subscriber again this long after they were delivered.
     */
    public void setAckWait(Duration ackWait) {
        if (ackWait.isNegative() || ackWait.isZero()) {
            throw new IllegalArgumentException("ackWait must be positive, was " + ackWait);
        }
        this.ackWait = ackWait;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        // as NatsComponent.createEndpoint, with the endpoint below
        NatsConfiguration config = new NatsConfiguration();
        if (getHeaderFilterStrategy() != null) {
            config.setHeaderFilterStrategy(getHeaderFilterStrategy());
        }
        config.setTopic(remaining);
        config.setServers(getServers());
        config.setVerbose(isVerbose());
        if (config.getSslContextParameters() == null) {
            config.setSslContextParameters(retrieveGlobalSslContextParameters());
        }
        GroupedEndpoint endpoint = new GroupedEndpoint(uri, this, config);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    // the options are nats's: its generated configurers (found by scheme, which is not "nats" here)
    @Override
    public PropertyConfigurer getComponentPropertyConfigurer() {
        return new NatsComponentConfigurer();
    }

    @Override
    public PropertyConfigurer getEndpointPropertyConfigurer() {
        return new NatsEndpointConfigurer();
    }

    /** A nats endpoint whose consumer is {@link GroupedNatsConsumer}. */
    public static class GroupedEndpoint extends NatsEndpoint {

        GroupedEndpoint(String uri, GroupedNatsComponent component, NatsConfiguration config) {
            super(uri, component, config);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            GroupedNatsConsumer consumer = new GroupedNatsConsumer(this, processor,
                    ((GroupedNatsComponent) getComponent()).getMaxInFlight(), ((GroupedNatsComponent) getComponent()).getAckWait());
            configureConsumer(consumer);
            return consumer;
        }
    }
}
