package io.integrationhub.hub.common;

/**
 * What a bean says when it cannot do what was asked, in the domain's words. Beans throw these and
 * never see HTTP: route configuration {@code http-problem} ({@link HttpProblemRouteConfiguration})
 * answers each with its problem+json status (404, 409, 400, 503, 402), a broker route with its
 * error handling. The message is the problem's {@code detail}: say what was wrong and what to do.
 */
public abstract sealed class DomainException extends RuntimeException
        permits DomainException.NotFound, DomainException.Conflict, DomainException.Invalid,
                DomainException.Unavailable, DomainException.Declined {

    protected DomainException(String detail) {
        super(detail);
    }

    /** The thing asked for does not exist (HTTP 404). */
    public static final class NotFound extends DomainException {
        public NotFound(String detail) {
            super(detail);
        }
    }

    /** The request contradicts the current state: a duplicate, a cancelled order, a concurrent change (409). */
    public static final class Conflict extends DomainException {
        public Conflict(String detail) {
            super(detail);
        }
    }

    /** The request itself is malformed or incomplete (400). */
    public static final class Invalid extends DomainException {
        public Invalid(String detail) {
            super(detail);
        }
    }

    /** A dependency the work needs is down or refused it for now; the same request may succeed later (503). */
    public static final class Unavailable extends DomainException {
        public Unavailable(String detail) {
            super(detail);
        }

        /**
         * The broker's or driver's failure is kept as a suppressed exception (shown in stack traces),
         * not as the cause: Camel matches {@code onException} from the root cause up, so a cause would
         * be answered as itself (an IOException: 500) instead of as this refusal (503).
         */
        public Unavailable(String detail, Throwable cause) {
            super(detail);
            addSuppressed(cause);
        }
    }

    /** A valid request a business rule turns down: an amount above a payment limit (402). */
    public static final class Declined extends DomainException {
        public Declined(String detail) {
            super(detail);
        }
    }
}
