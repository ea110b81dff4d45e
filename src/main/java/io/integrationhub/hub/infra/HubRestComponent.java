package io.integrationhub.hub.infra;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.spi.RestConfiguration;

/**
 * The REST DSL's consumer ({@code camel.rest.component = hub-rest}): Camel's platform-http, the same
 * Vert.x server and {@code platform-http:} endpoints, except that a verb's {@code consumes} and
 * {@code produces} are left to the OpenAPI document and not handed to Vert.x. Vert.x would match
 * requests on them, so a wrong {@code Content-Type} or an {@code Accept} other than JSON would find no
 * route and be answered 405 (or 404) before the route's own check could say what is wrong (415
 * problem+json naming the type received, as before the REST DSL). Written as a subclass because
 * platform-http has no option to keep the two out of its routes.
 */
public class HubRestComponent extends PlatformHttpComponent {

    public static final String NAME = "hub-rest";

    @Override
    public Consumer createConsumer(CamelContext camelContext, Processor processor, String verb, String basePath,
                                   String uriTemplate, String consumes, String produces, RestConfiguration configuration,
                                   Map<String, Object> parameters) throws Exception {
        return super.createConsumer(camelContext, processor, verb, basePath, uriTemplate, null, null, configuration,
                parameters);
    }
}
