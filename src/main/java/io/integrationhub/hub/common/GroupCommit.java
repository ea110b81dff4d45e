package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of small SQL writes made by many messages at once: each caller submits its write and
 * gets a future; one writer thread takes every write waiting (up to {@code maxGroup}), runs them on one
 * connection in one transaction and commits once, then completes their futures. A caller acknowledges
 * its message only when its future completed, so the guarantee is the one of a commit per message
 * (nothing acknowledged before it is durable) at the price of one commit — one fsync on PostgreSQL,
 * one CHECKPOINT on H2 — per group instead of per message.
 * <p>
 * When the group's transaction fails (a unique violation from a concurrent insert, a deadlock between
 * two instances), it is rolled back and each write is run again on its own in auto-commit, as it would
 * have been without grouping, so one write's failure fails only its own future.
 * <p>
 * Written by hand: JDBC and the pools have no cross-thread batching, and Camel's aggregator groups
 * messages into a new exchange, where each message here keeps its own exchange (its trace, its
 * redeliveries, its dead letter) and only shares the commit.
 */
public final class GroupCommit implements AutoCloseable {

    /** One write, run on the group's connection (or alone in auto-commit after a group failure). */
    @FunctionalInterface
    public interface Write<T> {
        T apply(Connection connection) throws SQLException;
    }

    private record Pending<T>(Write<T> write, CompletableFuture<T> result) {
        @SuppressWarnings("unchecked")
        void complete(Object value) {
            result.complete((T) value);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private final DataSource dataSource;
    private final String name;
    private final int maxGroup;
    private final LinkedBlockingQueue<Pending<?>> waiting = new LinkedBlockingQueue<>();
    private volatile Thread writer;
    private volatile boolean closed;

    public GroupCommit(DataSource dataSource, String name, int maxGroup) {
        this.dataSource = dataSource;
        this.name = name;
        this.maxGroup = maxGroup;
    }

    /** Queues {@code write} for the next group; the future completes once its commit returned. */
    public <T> CompletableFuture<T> submit(Write<T> write) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new SQLException("the " + name + " writer is stopped"));
            return result;
        }
        startWriter();
        waiting.add(new Pending<>(write, result));
        if (closed && !writer.isAlive() && waiting.remove(new Pending<>(write, result))) {
            // closed while this was being queued, after the writer's last look: nobody will write it
            result.completeExceptionally(new SQLException("the " + name + " writer is stopped"));
        }
        return result;
    }

    private synchronized void startWriter() {
        if (writer == null) {
            writer = new Thread(this::run, name + "-group-commit");
            writer.setDaemon(true);
            writer.start();
        }
    }

    private void run() {
        List<Pending<?>> group = new ArrayList<>();
        while (!closed || !waiting.isEmpty()) {
            try {
                Pending<?> first = waiting.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                waiting.drainTo(group, maxGroup - 1);
                write(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // a bug in a write: fail that group, keep the writer alive for the next
                group.forEach(p -> p.result().completeExceptionally(e));
                LOG.error("{} group commit failed", name, e);
            } finally {
                group.clear();
            }
        }
        Pending<?> left;
        while ((left = waiting.poll()) != null) {
            left.result().completeExceptionally(new SQLException("the " + name + " writer stopped"));
        }
    }

    private void write(List<Pending<?>> group) {
        Object[] results = new Object[group.size()];
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (int i = 0; i < results.length; i++) {
                    results[i] = group.get(i).write().apply(c);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            // even a group of one: in auto-commit a write may tolerate what aborts a transaction (a unique violation)
            LOG.debug("{} group of {} writes failed ({}); writing each on its own", name, group.size(), e.toString());
            group.forEach(this::writeAlone);
            return;
        }
        for (int i = 0; i < results.length; i++) {
            group.get(i).complete(results[i]);
        }
    }

    private void writeAlone(Pending<?> pending) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            pending.complete(pending.write().apply(c));
        } catch (SQLException | RuntimeException e) {
            pending.result().completeExceptionally(e);
        }
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    /** Writes what is waiting, then stops; a write submitted afterwards fails at once. */
    @Override
    public void close() {
        closed = true;
        Thread w;
        synchronized (this) {
            w = writer;
        }
        if (w != null) {
            try {
                w.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
