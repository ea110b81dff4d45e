package io.integrationhub.hub.common;

import com.fasterxml.jackson.annotation.JsonInclude;

/** An RFC 9457 problem document, the body of every error the hub answers over HTTP. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProblemDetails(String type, String title, int status, String detail, String instance) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static ProblemDetails of(int status, String title, String detail, String instance) {
        return new ProblemDetails("about:blank", title, status, detail, instance);
    }
}
