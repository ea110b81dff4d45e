package io.integrationhub.hub.common;

import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Checks of a JSON request body done before it is parsed: its media type (415) and its size
 * against a per-endpoint limit (413), which is tighter than the server-wide {@code camel.server.maxBodySize}.
 */
public final class JsonRequests {

    private JsonRequests() {
    }

    /** A processor that refuses a body that is not {@code application/json} or is larger than {@code maxBytes}. */
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
            exchange.getIn().setBody(body);
        };
    }
}
