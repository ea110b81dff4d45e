package io.integrationhub.hub.common;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document, the body of every error the hub answers over HTTP. {@code errors}
 * lists what was wrong with the request, one entry per field, when there is more than the detail;
 * {@code traceId} the trace of the request, when it was traced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProblemDetails(String type, String title, int status, String detail, String instance, List<String> errors,
        String traceId) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static ProblemDetails of(int status, String title, String detail, String instance) {
        return new ProblemDetails("about:blank", title, status, detail, instance, null, null);
    }

    public ProblemDetails withErrors(List<String> list) {
        return new ProblemDetails(type, title, status, detail, instance, list == null || list.isEmpty() ? null : list, traceId);
    }

    /** The same problem naming the trace of the work that failed (search it in the console, or your tracing backend). */
    public ProblemDetails withTraceId(String id) {
        return new ProblemDetails(type, title, status, detail, instance, errors, id);
    }
}
