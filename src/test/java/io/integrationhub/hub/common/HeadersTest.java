package io.integrationhub.hub.common;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HeadersTest {

    private final Exchange exchange = new DefaultExchange(startedContext());

    /** A started context: its messages' headers are case-insensitive, as in the hub. */
    private static DefaultCamelContext startedContext() {
        DefaultCamelContext context = new DefaultCamelContext();
        context.start();
        return context;
    }

    @Test
    void shouldKeepOnlyTheNamedHeadersWhateverTheirCase() throws Exception {
        exchange.getMessage().setHeader("content-type", "application/json");
        exchange.getMessage().setHeader("Server", "service-b");
        exchange.getMessage().setHeader("X-Hub-Fallback", "cached");
        exchange.getMessage().setHeader("CamelHttpResponseCode", 200);
        exchange.getMessage().setHeader("Content-Type|X-Hub-Fallback", "a name that a regular expression would keep");

        Headers.keepOnly("Content-Type", "X-Hub-Fallback", "Age").process(exchange);

        assertThat(exchange.getMessage().getHeaders()).containsOnlyKeys("content-type", "X-Hub-Fallback");
        assertThat(exchange.getMessage().getHeader("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void shouldRemoveTheHeadersStartingWithAPrefixOnly() throws Exception {
        exchange.getMessage().setHeader("kafka.OFFSET", 12L);
        exchange.getMessage().setHeader("Kafka.KEY", "k");
        exchange.getMessage().setHeader("kafkaish", "stays");
        exchange.getMessage().setHeader("orderId", "o-1");

        Headers.removeStartingWith("kafka.").process(exchange);

        assertThat(exchange.getMessage().getHeaders()).containsOnlyKeys("kafkaish", "orderId");
    }

    @Test
    void shouldLeaveAMessageWithoutHeadersAsItIs() throws Exception {
        Headers.keepOnly("orderId").process(exchange);
        Headers.removeStartingWith("kafka.").process(exchange);

        assertThat(exchange.getMessage().getHeaders()).isEmpty();
    }
}
