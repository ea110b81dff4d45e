package io.integrationhub.hub.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.Json;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import org.apache.camel.Exchange;
import io.integrationhub.hub.common.RestApi;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.rest.RestParamType;

/**
 * Fault injection into the stand-in services, only when {@code hub.admin.enabled=true}:
 * {@code POST /admin/samples/{service}/faults {"failureRate":0.0–1.0,"latencyMs":n,"operations":[…]}} sets it
 * (without {@code operations}: every operation of the service but its compensations),
 * {@code DELETE} clears it, {@code GET} shows it. Without the setting the paths do not exist (404).
 */
public class SampleFaultRoutes extends RouteBuilder {

    public static final Set<String> SERVICES = SampleFaults.OPERATIONS.keySet();
    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configure() throws Exception {
        if (!Boolean.parseBoolean(getContext().resolvePropertyPlaceholders("{{hub.admin.enabled}}"))) {
            return;
        }
        // the HTTP API (REST DSL, in /api/openapi.json); the routes below are its logic, inlined into it
        if (RestApi.isServed(getContext())) {
            rest("/admin/samples/{service}/faults").tag("samples")
                .description("Faults injected into the sample services (failure rate, latency), for trying the breakers and sagas")
                .post().id("samples-faults-set")
                    .description("Set the service's faults: {failureRate 0-1, latencyMs, operations}")
                    .consumes("application/json").produces("application/json")
                    .to("direct:samples-faults-set")
                .delete().id("samples-faults-clear").description("Clear the service's faults").produces("application/json")
                    .to("direct:samples-faults-clear")
                .get().id("samples-faults-get").description("The service's faults").produces("application/json")
                    .to("direct:samples-faults-get");
        }

        from("direct:samples-faults-set")
            .routeId("samples-faults-set")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(JsonRequests.requireJson(4096))
            .process(e -> {
                JsonNode body = JSON.readTree(e.getIn().getBody(byte[].class));
                for (String field : new String[] {"failureRate", "latencyMs"}) {
                    if (!body.path(field).isMissingNode() && !body.path(field).isNumber()) {
                        throw new HttpProblemException(400, "Bad Request", field + " must be a number");
                    }
                }
                double rate = body.path("failureRate").asDouble(0);
                long latency = body.path("latencyMs").asLong(0);
                if (rate < 0 || rate > 1 || latency < 0 || latency > 60_000) {
                    throw new HttpProblemException(400, "Bad Request", "failureRate must be 0.0-1.0, latencyMs 0-60000");
                }
                faults(e).set(service(e), new SampleFaults.Fault(rate, latency, operations(body, service(e))));
                JsonResponses.answer(e, 200, faults(e).get(service(e)));
            });

        from("direct:samples-faults-clear")
            .routeId("samples-faults-clear")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                faults(e).clear(service(e));
                JsonResponses.answer(e, 200, faults(e).get(service(e)));
            });

        from("direct:samples-faults-get")
            .routeId("samples-faults-get")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> JsonResponses.answer(e, 200, faults(e).get(service(e))));
    }

    private static List<String> operations(JsonNode body, String service) {
        JsonNode node = body.path("operations");
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        Set<String> known = SampleFaults.OPERATIONS.get(service);
        List<String> operations = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode op : node) {
                if (op.isTextual() && known.contains(op.asText())) {
                    operations.add(op.asText());
                    continue;
                }
                operations = null;
                break;
            }
        }
        if (operations == null || !node.isArray() || operations.isEmpty()) {
            throw new HttpProblemException(400, "Bad Request", "operations must be a non-empty list of "
                    + new TreeSet<>(known) + " (the operations of " + service + ")");
        }
        return operations;
    }

    private static String service(Exchange exchange) {
        String service = exchange.getIn().getHeader("service", String.class);
        if (!SERVICES.contains(service)) {
            throw HttpProblemException.notFound("no stand-in service " + service + "; services: " + SERVICES);
        }
        return service;
    }

    private static SampleFaults faults(Exchange exchange) {
        return exchange.getContext().getRegistry().lookupByNameAndType("sampleFaults", SampleFaults.class);
    }
}
