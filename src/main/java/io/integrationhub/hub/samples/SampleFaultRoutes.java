package io.integrationhub.hub.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.HttpProblemRouteConfiguration;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * Fault injection into the stand-in services, only when {@code hub.admin.enabled=true}:
 * {@code POST /admin/samples/{service}/faults {"failureRate":0.0–1.0,"latencyMs":n,"operations":[…]}} sets it
 * (without {@code operations}: every operation of the service but its compensations),
 * {@code DELETE} clears it, {@code GET} shows it. Without the setting the paths do not exist (404).
 */
public class SampleFaultRoutes extends RouteBuilder {

    public static final Set<String> SERVICES = SampleFaults.OPERATIONS.keySet();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void configure() throws Exception {
        if (!Boolean.parseBoolean(getContext().resolvePropertyPlaceholders("{{hub.admin.enabled}}"))) {
            return;
        }
        from("platform-http:/admin/samples/{service}/faults?httpMethodRestrict=POST")
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

        from("platform-http:/admin/samples/{service}/faults?httpMethodRestrict=DELETE")
            .routeId("samples-faults-clear")
            .routeConfigurationId(HttpProblemRouteConfiguration.ID)
            .process(e -> {
                faults(e).clear(service(e));
                JsonResponses.answer(e, 200, faults(e).get(service(e)));
            });

        from("platform-http:/admin/samples/{service}/faults?httpMethodRestrict=GET")
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
