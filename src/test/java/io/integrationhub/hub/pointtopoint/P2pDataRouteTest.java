package io.integrationhub.hub.pointtopoint;

import java.util.Map;
import java.net.SocketTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import io.integrationhub.hub.circuitbreaker.BreakerFallbacks;
import io.integrationhub.hub.common.Bodies;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import org.apache.camel.Exchange;
import io.integrationhub.hub.testkit.RouteUnitTestSupport;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.Resilience4jConfigurationDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit test of the logic of {@code routes/p2p.camel.yaml} with camel-test: the platform-http
 * consumer is replaced by {@code direct:} and the call to service B by a mock, so the header
 * hygiene and the error mapping are checked without any network. This is also the pattern users
 * follow to unit-test their own YAML routes. The same route against real HTTP: {@code it.PointToPointTest}.
 */
class P2pDataRouteTest extends RouteUnitTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected Map<String, String> settings() {
        return Map.of("hub.service-b.url", "http://service-b.test");
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new HttpProblemRouteConfiguration();
    }

    @BeforeEach
    void loadAndAdviseTheYamlRoute() throws Exception {
        // the breaker's configuration, which the hub binds (BreakerConfiguration); its logic is not tested here
        context.getRegistry().bind("service-b-breaker", new Resilience4jConfigurationDefinition());
        // and its fallback bean: no fallback defined for service-b here, so it answers the failure as it is
        context.getRegistry().bind(BreakerFallbacks.BEAN, new BreakerFallbacks(context));
        // and the step that keeps only the answer's content type and a fallback's marks
        context.getRegistry().bind(BreakerFallbacks.ANSWER_HEADERS, BreakerFallbacks.answerHeaders());
        // and the one that hands the answer to the HTTP server as a ByteBuffer
        context.getRegistry().bind(Bodies.IN_MEMORY, Bodies.inMemoryAsByteBuffer());
        PluginHelper.getRoutesLoader(context).loadRoutes(
                PluginHelper.getResourceLoader(context).resolveResource("file:routes/p2p.camel.yaml"));
        AdviceWith.adviceWith(context, "p2p-data", route -> {
            route.replaceFromWith("direct:p2p");
            route.weaveById("p2p-call-service-b").replace().to("mock:service-b");
        });
        context.start();
    }

    @Test
    void shouldCallServiceBWithoutTheClientsHeadersAndReturnItsJson() throws Exception {
        MockEndpoint serviceB = getMockEndpoint("mock:service-b");
        serviceB.expectedMessageCount(1);
        serviceB.expectedHeaderReceived("Accept", "application/json");
        serviceB.whenAnyExchangeReceived(e -> {
            e.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            e.getMessage().setHeader("Server", "service-b");
            // as camel-http gives a small answer
            e.getMessage().setBody("{\"service\":\"B\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });

        Exchange answer = template.request("direct:p2p", e -> {
            e.getIn().setHeader("Authorization", "Bearer client-token");
            e.getIn().setHeader(Exchange.HTTP_URI, "/api/p2p/data");
        });

        serviceB.assertIsSatisfied();
        assertThat(serviceB.getExchanges().get(0).getIn().getHeaders()).doesNotContainKey("Authorization");
        // no method header and no body: camel-http sends GET (it.PointToPointTest sees it on the wire)
        assertThat(serviceB.getExchanges().get(0).getIn().getHeaders()).doesNotContainKey(Exchange.HTTP_METHOD);
        assertThat(serviceB.getExchanges().get(0).getIn().getBody()).isNull();
        // handed to the HTTP server as a ByteBuffer, which it writes at once (common/Bodies)
        assertThat(answer.getMessage().getBody()).isInstanceOf(java.nio.ByteBuffer.class);
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("{\"service\":\"B\"}");
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
        assertThat(answer.getMessage().getHeaders()).containsOnlyKeys(Exchange.CONTENT_TYPE, Exchange.HTTP_RESPONSE_CODE);
    }

    @Test
    void shouldMapARefusedConnectionTo502Problem() throws Exception {
        getMockEndpoint("mock:service-b").whenAnyExchangeReceived(e -> {
            // what camel-http throws when nothing listens on the downstream's port
            throw new HttpHostConnectException("Connection refused");
        });

        Exchange answer = template.request("direct:p2p", e -> e.getIn().setHeader(Exchange.HTTP_URI, "/api/p2p/data"));

        assertProblem(answer, 502);
    }

    @Test
    void shouldMapAReadTimeoutTo504Problem() throws Exception {
        getMockEndpoint("mock:service-b").whenAnyExchangeReceived(e -> {
            throw new SocketTimeoutException("Read timed out");
        });

        Exchange answer = template.request("direct:p2p", e -> e.getIn().setHeader(Exchange.HTTP_URI, "/api/p2p/data"));

        assertProblem(answer, 504);
    }

    private static void assertProblem(Exchange answer, int status) throws Exception {
        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(status);
        assertThat(answer.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("application/problem+json");
        JsonNode problem = JSON.readTree(answer.getMessage().getBody(String.class));
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("instance").asText()).isEqualTo("/api/p2p/data");
    }
}
