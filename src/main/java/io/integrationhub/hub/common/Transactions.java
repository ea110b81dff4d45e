package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;

/**
 * The hub's one way to run JDBC work in a transaction: a pooled connection, auto-commit off, the
 * work, then commit, or rollback on any exception (the exception is rethrown unchanged, so callers
 * keep their {@link SQLException} checks). Also the one test for a unique-key violation.
 * <p>
 * Written by hand rather than with Spring's {@code TransactionTemplate}: that one translates every
 * {@link SQLException} into Spring's unchecked {@code DataAccessException} hierarchy, and the hub's
 * code answers by SQL state (a unique violation is a 409 or an ignored redelivery), with its own
 * checked exceptions thrown out of the work. Twenty lines here against rewriting every caller.
 * A traced piece of work shows each transaction as a span ("SQL transaction").
 */
public final class Transactions {

    private Transactions() {
    }

    /** Work on a connection inside a transaction; it may throw {@code E}. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run(Connection connection) throws E;
    }

    /** Work without a result. */
    @FunctionalInterface
    public interface VoidWork<E extends Exception> {
        void run(Connection connection) throws E;
    }

    /** Runs {@code work} in one transaction and returns its result: committed if it returns, rolled back if it throws. */
    public static <T, E extends Exception> T inTransaction(DataSource dataSource, Work<T, E> work) throws E, SQLException {
        Span span = Spans.child("SQL transaction", SpanKind.CLIENT);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            T result;
            try {
                result = work.run(c);
            } catch (Exception | Error e) {
                span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
                rollback(c, e);
                throw e;
            }
            c.commit();
            return result;
        } finally {
            span.end();
        }
    }

    /** As {@link #inTransaction(DataSource, Work)}, for work without a result. */
    public static <E extends Exception> void inTransaction(DataSource dataSource, VoidWork<E> work) throws E, SQLException {
        inTransaction(dataSource, (Work<Void, E>) c -> {
            work.run(c);
            return null;
        });
    }

    /** True when {@code e} is a unique-key violation (SQL state 23505, PostgreSQL and H2 alike). */
    public static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    /** True when {@code e} is any integrity-constraint violation (SQL state class 23). */
    public static boolean isIntegrityViolation(SQLException e) {
        return e.getSQLState() != null && e.getSQLState().startsWith("23");
    }

    private static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            // the connection is broken; the work's own failure is the one to report
            cause.addSuppressed(rollbackFailure);
        }
    }
}
