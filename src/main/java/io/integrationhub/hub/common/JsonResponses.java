package io.integrationhub.hub.common;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;

/** Writes a record as the JSON answer of an HTTP route: status, content type, body, and nothing of the request's headers. */
public final class JsonResponses {

    private static final ObjectMapper JSON = Json.MAPPER;

    private JsonResponses() {
    }

    public static void answer(Exchange exchange, int status, Object body) throws Exception {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json(body));
    }

    /** The JSON text {@link #answer} writes for {@code body}. */
    public static String json(Object body) throws Exception {
        return JSON.writeValueAsString(body);
    }
}
