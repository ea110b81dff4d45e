package io.integrationhub.hub.common;

import java.io.IOException;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Checks of a JSON request body done before it is parsed: its media type (415), its size against a
 * per-endpoint limit (413), which is tighter than the server-wide {@code camel.server.maxBodySize},
 * and how deep it nests ({@code hub.http.max-json-depth}, 400): a body of a few kilobytes of
 * brackets would otherwise cost every parser after it (schema check, mapping) a deep recursion.
 */
public final class JsonRequests {

    private JsonRequests() {
    }

    /**
     * A processor that refuses a body that is not {@code application/json} (415), is empty (400), is
     * larger than {@code maxBytes} (413) or nests deeper than {@code hub.http.max-json-depth} (400).
     */
    public static Processor requireJson(long maxBytes) {
        return exchange -> {
            String contentType = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class);
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw new HttpProblemException(415, "Unsupported Media Type",
                        "the body must be application/json, not " + (contentType == null ? "absent" : contentType));
            }
            byte[] body = exchange.getIn().getBody(byte[].class);
            if (body == null || body.length == 0) {
                throw new HttpProblemException(400, "Bad Request", "the request has no body");
            }
            if (body.length > maxBytes) {
                throw new HttpProblemException(413, "Content Too Large",
                        "the body has " + body.length + " bytes, at most " + maxBytes + " are accepted");
            }
            requireDepth(body, depthLimit(exchange.getContext()));
            exchange.getIn().setBody(body);
        };
    }

    /** Jackson's streaming parser enforces the depth: one pass over the tokens, nothing built. */
    static void requireDepth(byte[] body, JsonFactory limited) {
        try (JsonParser parser = limited.createParser(body)) {
            while (parser.nextToken() != null) {
                // each start of an object or array is checked against the limit
            }
        } catch (StreamConstraintsException e) {
            int max = limited.streamReadConstraints().getMaxNestingDepth();
            throw new HttpProblemException(400, "Bad Request",
                    "the body nests deeper than " + max + " levels (hub.http.max-json-depth)");
        } catch (IOException e) {
            // not JSON at all: the schema check or the mapping after this says so, in their words
        }
    }

    private static final String DEPTH_LIMITED = "hubJsonDepthLimited";

    /**
     * Binds the parser factory of {@code hub.http.max-json-depth} once, while the hub is configured.
     * Binding it at the first request let concurrent first requests bind into Camel's registry at
     * once, which it is not made for: the likely cause of a 500 seen once in OverloadJarIT (400
     * requests at once), gone since.
     */
    public static void configure(CamelContext context) {
        context.getRegistry().bind(DEPTH_LIMITED, depthLimit(HubSettings.positiveInt(context, "hub.http.max-json-depth")));
    }

    /** This hub's factory; a route test without the hub's configuration makes one from the setting each time. */
    private static JsonFactory depthLimit(CamelContext context) {
        JsonFactory factory = context.getRegistry().lookupByNameAndType(DEPTH_LIMITED, JsonFactory.class);
        return factory != null ? factory : depthLimit(HubSettings.positiveInt(context, "hub.http.max-json-depth"));
    }

    static JsonFactory depthLimit(int depth) {
        return JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(depth).build()).build();
    }
}
