package io.integrationhub.hub.cqrs.query;

import io.integrationhub.hub.cqrs.api.UserQueries;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.integrationhub.hub.common.Transactions;
import io.integrationhub.hub.cqrs.api.UserView;

/** Reads of the users read model ({@code user_view}), which only the projector writes. */
public class UserReadModel implements UserQueries {

    private static final String COLUMNS = "id, name, email, created_at, updated_at";
    private final DataSource dataSource;

    public UserReadModel(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Optional<UserView> find(String id) throws SQLException {
        return find(id, null);
    }

    /** As {@link #find(String)}, the query given up after {@code timeout} (null: no limit). */
    @Override
    public Optional<UserView> find(String id, Duration timeout) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM user_view WHERE id = ? AND NOT deleted")) {
            limit(ps, timeout);
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(view(rs)) : Optional.empty();
            }
        }
    }

    /** Up to {@code limit} live users ordered by id, after {@code afterId} (exclusive) when given. */
    public List<UserView> page(int limit, String afterId) throws SQLException {
        return page(limit, afterId, null);
    }

    /** As {@link #page(int, String)}, the query given up after {@code timeout} (null: no limit). */
    @Override
    public List<UserView> page(int limit, String afterId, Duration timeout) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM user_view WHERE NOT deleted"
                + (afterId == null ? "" : " AND id > ?") + " ORDER BY id LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            limit(ps, timeout);
            int i = 1;
            if (afterId != null) {
                ps.setString(i++, afterId);
            }
            ps.setInt(i, limit);
            List<UserView> users = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    users.add(view(rs));
                }
            }
            return users;
        }
    }

    /** Empties the read model and its applied-event log, before a replay rebuilds both. */
    public void reset() throws SQLException {
        Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement a = c.prepareStatement("DELETE FROM user_view_applied");
                 PreparedStatement b = c.prepareStatement("DELETE FROM user_view")) {
                a.executeUpdate();
                b.executeUpdate();
            }
        });
    }

    /** JDBC counts query timeouts in whole seconds: a deadline is rounded up to the next second. */
    private static void limit(PreparedStatement ps, Duration timeout) throws SQLException {
        if (timeout != null) {
            ps.setQueryTimeout((int) Math.max(1, (timeout.toMillis() + 999) / 1000));
        }
    }

    private static UserView view(ResultSet rs) throws SQLException {
        return new UserView(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5));
    }
}
