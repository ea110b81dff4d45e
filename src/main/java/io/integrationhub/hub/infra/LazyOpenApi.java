package io.integrationhub.hub.infra;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The OpenAPI document ({@code camel.rest.apiContextPath}, {@code /api/openapi.json}) rendered when it is
 * first asked for instead of while the hub starts. camel-openapi-java 4.17 renders it (JSON and YAML)
 * when its route starts, on the thread that starts the routes: 0.4–0.7 s of a 4 s start on 2 cores
 * (docs/operations.md). Camel's rest-api endpoint takes the one {@link RestApiProcessorFactory} bound in
 * the registry before its own; this one hands out camel-openapi-java's processor behind a step that
 * starts it (renders the document) on the first request. The document and its answers are the same;
 * the first request takes those few hundred milliseconds. Written by hand because camel-openapi-java
 * renders lazily only with {@code camel.rest.useXForwardHeaders=true}, and then again on every request
 * (38 ms of CPU each, measured): a cheap way to load the hub for anyone who can reach it.
 */
public final class LazyOpenApi implements RestApiProcessorFactory {

    /** Registry name of this factory. */
    public static final String BEAN = "hubLazyOpenApi";

    private final RestApiProcessorFactory openApi = new OpenApiRestApiProcessorFactory();

    @Override
    public Processor createApiProcessor(CamelContext context, String contextPath, RestConfiguration configuration,
            Map<String, Object> parameters) throws Exception {
        // only made here (cheap); rendering is in its init, which Camel would run when the route starts
        return new FirstUse(openApi.createApiProcessor(context, contextPath, configuration, parameters));
    }

    /** Starts (renders) the real processor on the first exchange, stops it with the route. */
    static final class FirstUse extends ServiceSupport implements Processor {

        private final Processor document;
        private volatile boolean rendered;

        FirstUse(Processor document) {
            this.document = document;
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            if (!rendered) {
                synchronized (this) {
                    if (!rendered) {
                        ServiceHelper.startService(document);
                        rendered = true;
                    }
                }
            }
            document.process(exchange);
        }

        @Override
        protected void doStop() {
            ServiceHelper.stopService(document);
            rendered = false;
        }
    }
}
