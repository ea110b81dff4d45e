package io.integrationhub.hub.queue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import javax.sql.DataSource;

import io.integrationhub.hub.common.GroupCommit;
import io.integrationhub.hub.common.TraceIds;
import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.queue.api.TaskStatus;
import io.integrationhub.hub.queue.api.TaskView;

/**
 * Task status in SQL (table {@code task}), shared by every hub instance. Each transition is one
 * guarded UPDATE, so a redelivered message never moves a finished task back, and DONE is counted
 * once ({@code completions}) however often RabbitMQ delivers.
 */
public class TaskStore {

    private static final int MAX_ERROR = 1000;
    /** At most this many status writes share one commit (the consumers' prefetch bounds it first). */
    private static final int MAX_GROUP = 500;
    private final DataSource dataSource;
    private final GroupCommit group;

    public TaskStore(DataSource dataSource) {
        this.dataSource = dataSource;
        this.group = new GroupCommit(dataSource, "task-status", MAX_GROUP);
    }

    /**
     * The workers' status writes, committed in groups: a worker's attempt and its DONE are each
     * acknowledged to it only after their commit, and the message only after its DONE.
     */
    public GroupCommit group() {
        return group;
    }

    /** Records a task as QUEUED unless a worker already recorded it (it may run before this insert). */
    public void recordQueued(String taskId, String type) throws SQLException {
        insertIfAbsent(taskId, type);
    }

    /**
     * Starts one processing attempt on {@code c} (in auto-commit, or inside a group's transaction, where
     * a concurrent insert's unique violation fails the group, which then writes each on its own):
     * creates the row for a message published straight to the queue, counts the attempt and names the
     * worker. Returns false when the task is already finished (a redelivery after a crash between
     * commit and ack), which must then be acknowledged only.
     */
    public static boolean beginAttempt(Connection c, String taskId, String type, String worker, String traceId)
            throws SQLException {
        // the usual case, a row recorded QUEUED by POST /api/tasks, takes one statement;
        // only a task published straight to the queue, or a finished one delivered again, takes more
        if (countAttempt(c, taskId, worker) == 1) {
            return true;
        }
        if (!exists(c, taskId)) {
            insert(c, taskId, type, traceId);
        }
        // the row exists now (it may have been inserted by POST /api/tasks since the first UPDATE):
        // not counted only when the task is finished (a redelivery after a crash between commit and ack)
        return countAttempt(c, taskId, worker) == 1;
    }

    private static final String COUNT_ATTEMPT = "UPDATE task SET attempts = attempts + 1, processed_by = ?, "
            + "updated_at = ? WHERE task_id = ? AND status IN ('QUEUED', 'FAILED')";

    private static int countAttempt(Connection c, String taskId, String worker) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(COUNT_ATTEMPT)) {
            ps.setString(1, worker);
            ps.setTimestamp(2, now());
            ps.setString(3, taskId);
            return ps.executeUpdate();
        }
    }

    private static boolean exists(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM task WHERE task_id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The last attempt failed and the task will be tried again. */
    public void markFailedAttempt(String taskId, String error) throws SQLException {
        update("UPDATE task SET status = 'FAILED', last_error = ?, updated_at = ? "
                + "WHERE task_id = ? AND status IN ('QUEUED', 'FAILED')", truncate(error), now(), taskId);
    }

    /** Marks the task DONE on {@code c} (alone or in a group's transaction); false when it was finished already. */
    public static boolean markDone(Connection c, String taskId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE task SET status = 'DONE', completions = completions + 1, "
                + "last_error = NULL, updated_at = ? WHERE task_id = ? AND status IN ('QUEUED', 'FAILED')")) {
            ps.setTimestamp(1, now());
            ps.setString(2, taskId);
            return ps.executeUpdate() == 1;
        }
    }

    /** The task was given up and parked in the dead-letter queue. */
    public void markDeadLettered(String taskId, String type, String reason) throws SQLException {
        insertIfAbsent(taskId, type);
        update("UPDATE task SET status = 'DEAD_LETTERED', last_error = ?, updated_at = ? "
                + "WHERE task_id = ? AND status <> 'DONE'", truncate(reason), now(), taskId);
    }

    /** A dead-lettered task sent back to the queue by recovery: open again, so a worker runs it. */
    public void reopenDeadLettered(String taskId) throws SQLException {
        update("UPDATE task SET status = 'QUEUED', updated_at = ? WHERE task_id = ? AND status = 'DEAD_LETTERED'",
                now(), taskId);
    }

    public Optional<TaskView> find(String taskId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT task_id, task_type, status, attempts, processed_by, "
                     + "last_error, created_at, updated_at, trace_id FROM task WHERE task_id = ?")) {
            ps.setString(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new TaskView(rs.getString(1), rs.getString(2), TaskStatus.valueOf(rs.getString(3)),
                        rs.getInt(4), rs.getString(5), rs.getString(6),
                        rs.getTimestamp(7).toInstant().toString(), rs.getTimestamp(8).toInstant().toString(), rs.getString(9)));
            }
        }
    }

    private void insertIfAbsent(String taskId, String type) throws SQLException {
        // inserted straight away: the row is rarely there already (a worker ran first, or a retried
        // Idempotency-Key), and a unique violation then says so without a SELECT before every insert
        try (Connection c = dataSource.getConnection()) {
            // the trace current on this thread: the submission's, or the worker's (which continues it)
            insert(c, taskId, type, TraceIds.current());
        }
    }

    private static void insert(Connection c, String taskId, String type, String traceId) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO task (task_id, task_type, status, attempts, "
                + "completions, created_at, updated_at, trace_id) VALUES (?, ?, 'QUEUED', 0, 0, ?, ?, ?)")) {
            Timestamp now = now();
            insert.setString(1, taskId);
            insert.setString(2, type);
            insert.setTimestamp(3, now);
            insert.setTimestamp(4, now);
            insert.setString(5, traceId);
            insert.executeUpdate();
        } catch (SQLException e) {
            // recorded before, by another instance, thread or attempt: that is fine in auto-commit; inside a
            // transaction the database has aborted it (PostgreSQL), so the caller's transaction must fail
            if (!Transactions.isIntegrityViolation(e) || !c.getAutoCommit()) {
                throw e;
            }
        }
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static Timestamp now() {
        return Timestamp.from(Instant.now());
    }

    private static String truncate(String s) {
        return s == null || s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }
}
