package io.integrationhub.hub.infra;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Makes a commit on an embedded H2 file database durable before it returns, as PostgreSQL's is.
 * <p>
 * H2's MVStore acknowledges a COMMIT while the change is still in memory: a background thread
 * writes it to the file up to WRITE_DELAY (500 ms) later, so a process killed right after a 2xx
 * lost that half second of acknowledged writes (UserWritesCrashJarIT: 9 of 406 users). H2's own
 * switch, WRITE_DELAY=0, writes at every commit but also stops that background thread, which is
 * the only thing that compacts the file: under 400 writes/s the file grew by 14 MB/s without end.
 * So the background thread stays, and each commit here is followed by {@code CHECKPOINT}, which
 * writes the store's pending changes to the file (MVStore.commit, the same call WRITE_DELAY=0
 * makes; no fsync: a killed process's writes are in the OS's page cache). Commits are grouped
 * (group commit): a CHECKPOINT writes every commit made before it started, so a caller whose
 * commit an already running CHECKPOINT may have missed waits for the next one, which one of the
 * waiters runs for all of them. One write per group rather than per commit keeps both the
 * throughput and the file's growth (a new MVStore chunk per write) near H2's own. Writes in
 * auto-commit mode are checkpointed when their connection goes back to the pool.
 * <p>
 * Written by hand: neither H2 nor HikariCP has a hook after commit; Spring's
 * {@link DelegatingDataSource} keeps the wrapper to the one method that matters.
 */
final class H2DurableCommits extends DelegatingDataSource {

    private final GroupCheckpoint group = new GroupCheckpoint();

    H2DurableCommits(DataSource target) {
        super(target);
    }

    static boolean applies(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:");
    }

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(super.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(super.getConnection(username, password));
    }

    private Connection wrap(Connection connection) {
        return (Connection) Proxy.newProxyInstance(H2DurableCommits.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new Handler(connection, group));
    }

    /** Leader/follower group commit of CHECKPOINTs: tickets taken after a commit, one write per group. */
    static final class GroupCheckpoint {
        private long issued;
        private long written;
        private boolean writing;

        void awaitDurable(Connection connection) throws SQLException {
            long ticket;
            synchronized (this) {
                ticket = ++issued;
            }
            while (true) {
                long covered;
                synchronized (this) {
                    while (writing && written < ticket) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new SQLException("interrupted while waiting for the commit to be written", e);
                        }
                    }
                    if (written >= ticket) {
                        return;
                    }
                    writing = true;
                    covered = issued; // every ticket so far was taken after its commit: this write covers them
                }
                boolean done = false;
                try {
                    checkpoint(connection); // outside the lock: waiters queue up for the next write meanwhile
                    done = true;
                } finally {
                    synchronized (this) {
                        writing = false;
                        if (done) {
                            written = Math.max(written, covered);
                        }
                        notifyAll();
                    }
                }
            }
        }
    }

    private static final class Handler implements InvocationHandler {
        private final Connection connection;
        private final GroupCheckpoint group;

        Handler(Connection connection, GroupCheckpoint group) {
            this.connection = connection;
            this.group = group;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("close") && !connection.isClosed() && connection.getAutoCommit()) {
                group.awaitDurable(connection); // auto-commit writes made through this connection
            }
            Object result;
            try {
                result = method.invoke(connection, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (name.equals("commit")) {
                group.awaitDurable(connection);
            } else if (name.equals("unwrap") && args != null && args[0] == Connection.class) {
                return proxy;
            }
            return result;
        }

    }

    private static void checkpoint(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
        }
    }
}
