package io.integrationhub.hub.common;

/** A request the hub refuses with a given HTTP status; route configuration {@code http-problem} answers it. */
public class HttpProblemException extends RuntimeException {

    private final int status;
    private final String title;

    public HttpProblemException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public static HttpProblemException notFound(String detail) {
        return new HttpProblemException(404, "Not Found", detail);
    }
}
