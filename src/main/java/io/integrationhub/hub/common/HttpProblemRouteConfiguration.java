package io.integrationhub.hub.common;

import java.io.InterruptedIOException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.ValidationMessage;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.apache.camel.component.jsonvalidator.JsonValidationException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.util.ObjectHelper;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Route configuration {@value #ID}: turns failures of HTTP-facing routes into
 * {@code application/problem+json} answers. Downstream refused or unreachable → 502, downstream too
 * slow → 504, downstream answered an error → 502, request refused by the route → its status
 * (400, 404, 413, 415, 503…), a bean's {@link DomainException} → its status, body not matching its JSON schema → 400 listing each error,
 * anything else → 500. Routes opt in with
 * {@code routeConfigurationId: http-problem}.
 */
public final class HttpProblemRouteConfiguration extends RouteConfigurationBuilder {

    public static final String ID = "http-problem";
    /** Exchange property holding the path the client asked for, used as the problem's instance. */
    public static final String REQUEST_PATH = "hubRequestPath";
    /** Exchange properties holding the client's method and query (a breaker's cached fallback is keyed by them). */
    public static final String REQUEST_METHOD = "hubRequestMethod";
    public static final String REQUEST_QUERY = "hubRequestQuery";
    private static final Logger LOG = LoggerFactory.getLogger(HttpProblemRouteConfiguration.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    @Override
    public void configuration() {
        routeConfiguration(ID)
            // remember the request path: routes drop the client's headers before calling downstream
            .interceptFrom()
                .setProperty(REQUEST_PATH, header(Exchange.HTTP_URI))
                .setProperty(REQUEST_METHOD, header(Exchange.HTTP_METHOD))
                .setProperty(REQUEST_QUERY, header(Exchange.HTTP_QUERY))
            .end()
            // HttpClient's own type, not java.net.ConnectException: a broker client's refused connection
            // (its cause) must not be taken for a refusing HTTP downstream
            .onException(HttpHostConnectException.class, NoRouteToHostException.class, UnknownHostException.class)
                .handled(true)
                .process(problem(502, "Bad Gateway", "the downstream service refused or could not be reached"))
            .end()
            // socket read timeouts and HttpClient's ConnectTimeoutException are both InterruptedIOException
            .onException(InterruptedIOException.class, TimeoutException.class)
                .handled(true)
                .process(problem(504, "Gateway Timeout", "the downstream service did not answer in time"))
            .end()
            .onException(HttpProblemException.class)
                .handled(true)
                .process(requestProblem())
            .end()
            // what the beans say in the domain's words, each with its status
            .onException(DomainException.class)
                .handled(true)
                .process(domainProblem())
            .end()
            // a downstream's circuit breaker is open: refused at once, without calling it
            .onException(CallNotPermittedException.class)
                .handled(true)
                .process(problem(503, "Service Unavailable",
                        "the downstream service is failing; its circuit breaker is open, try again later"))
            .end()
            .onException(JsonValidationException.class)
                .handled(true)
                .process(invalidBody())
            .end()
            .onException(JsonProcessingException.class)
                .handled(true)
                .process(problem(400, "Bad Request", "the body is not valid JSON"))
            .end()
            .onException(HttpOperationFailedException.class)
                .handled(true)
                .process(downstreamError())
            .end()
            // a value the database refuses (SQLState class 22: too long, NUL byte, out of range…)
            // came from the request: the client's error, not the hub's
            .onException(SQLException.class)
                .onWhen(exchange -> sqlState(exchange).startsWith("22"))
                .handled(true)
                .process(problem(400, "Bad Request", "a value of the request cannot be stored (too long or holds "
                        + "characters the database refuses)"))
            .end()
            // the database is unreachable (class 08) or shutting down (57P0x): nothing was done, try again
            .onException(SQLException.class)
                .onWhen(HttpProblemRouteConfiguration::connectionLost)
                .handled(true)
                .process(problem(503, "Service Unavailable", "the database is unavailable; try again later"))
            .end()
            .onException(Exception.class)
                .handled(true)
                .process(problem(500, "Internal Server Error", "the hub could not process the request"))
            .end();
    }

    /** SQLState of the SQLException (anywhere in the cause chain) that failed the exchange, or "". */
    private static String sqlState(Exchange exchange) {
        SQLException e = caught(exchange, SQLException.class);
        return e == null || e.getSQLState() == null ? "" : e.getSQLState();
    }

    /**
     * The database connection broke (SQLState class 08, 57P0x: terminated by the server, or the pool
     * gave up). HikariCP's "Connection is closed" carries no SQLState: it is what the hand-written
     * rollback after a dropped connection throws, hiding the original 08/57P01 cause, so it counts too.
     */
    private static boolean connectionLost(Exchange exchange) {
        String state = sqlState(exchange);
        SQLException e = caught(exchange, SQLException.class);
        return state.startsWith("08") || state.startsWith("57P0")
                || e instanceof java.sql.SQLTransientConnectionException
                || e instanceof java.sql.SQLNonTransientConnectionException
                || (e != null && state.isEmpty() && "Connection is closed".equals(e.getMessage()));
    }

    /** A processor that answers the given problem and logs the cause. */
    public static Processor problem(int status, String title, String detail) {
        return exchange -> answer(exchange, ProblemDetails.of(status, title, detail, requestPath(exchange)));
    }

    private static Processor domainProblem() {
        return exchange -> {
            DomainException e = caught(exchange, DomainException.class);
            answer(exchange, ProblemDetails.of(status(e), title(e), e.getMessage(), requestPath(exchange)));
        };
    }

    /** The HTTP status of a domain refusal: the one place that knows both. */
    public static int status(DomainException e) {
        if (e instanceof DomainException.NotFound) {
            return 404;
        } else if (e instanceof DomainException.Conflict) {
            return 409;
        } else if (e instanceof DomainException.Invalid) {
            return 400;
        } else if (e instanceof DomainException.Unavailable) {
            return 503;
        } else {
            return 402; // Declined
        }
    }

    private static String title(DomainException e) {
        return switch (status(e)) {
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 400 -> "Bad Request";
            case 503 -> "Service Unavailable";
            default -> "Payment Required";
        };
    }

    private static Processor requestProblem() {
        return exchange -> {
            HttpProblemException e = caught(exchange, HttpProblemException.class);
            answer(exchange, ProblemDetails.of(e.status(), e.title(), e.getMessage(), requestPath(exchange)));
        };
    }

    private static Processor invalidBody() {
        return exchange -> {
            JsonValidationException e = caught(exchange, JsonValidationException.class);
            List<String> errors = e.getErrors() == null ? List.of()
                    : e.getErrors().stream().map(ValidationMessage::getMessage).sorted().toList();
            if (errors.isEmpty()) {
                answer(exchange, ProblemDetails.of(400, "Bad Request", "the body is not valid JSON", requestPath(exchange)));
                return;
            }
            answer(exchange, ProblemDetails.of(400, "Bad Request", "the body does not match the schema: "
                    + String.join("; ", errors), requestPath(exchange)).withErrors(errors));
        };
    }

    private static Processor downstreamError() {
        return exchange -> {
            HttpOperationFailedException e = caught(exchange, HttpOperationFailedException.class);
            answer(exchange, ProblemDetails.of(502, "Bad Gateway",
                    "the downstream service answered HTTP " + e.getStatusCode(), requestPath(exchange)));
        };
    }

    /**
     * The handled exception of {@code type}, also when it arrives wrapped (a circuit breaker hands
     * over a {@code RuntimeCamelException} around the call's failure; onException matched its cause).
     */
    private static <T extends Throwable> T caught(Exchange exchange, Class<T> type) {
        return ObjectHelper.getException(type, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }

    /** Writes {@code problem} as the HTTP answer of {@code exchange}. */
    public static void answer(Exchange exchange, ProblemDetails problem) throws Exception {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (cause != null && problem.status() >= 500) {
            LOG.warn("Route {} answered {} {}: {}", exchange.getFromRouteId(), problem.status(), problem.title(),
                    cause.toString());
        } else if (cause != null) {
            // the client's error: its detail (in the answer) may hold what the client sent, such as an
            // email, which the log must not keep; the detail is logged at DEBUG only
            LOG.warn("Route {} answered {} {} ({})", exchange.getFromRouteId(), problem.status(), problem.title(),
                    cause.getClass().getSimpleName());
            LOG.debug("Route {} answered {}: {}", exchange.getFromRouteId(), problem.status(), cause.getMessage());
        }
        var message = exchange.getMessage();
        problem = problem.withTraceId(TraceIds.of(exchange));
        IdempotentRequests.release(exchange);
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, problem.status());
        message.setHeader(Exchange.CONTENT_TYPE, ProblemDetails.MEDIA_TYPE);
        if (problem.status() == 503) {
            // every 503 is temporary (a broker, the database, an open breaker): tell clients when to retry
            message.setHeader("Retry-After", "5");
        }
        message.setBody(JSON.writeValueAsString(problem));
    }

    private static String requestPath(Exchange exchange) {
        return exchange.getProperty(REQUEST_PATH, String.class);
    }
}
