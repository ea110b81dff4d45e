package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JDBC transaction helper against a real (in-memory H2) database. */
class TransactionsTest {

    private JdbcDataSource dataSource;
    private Connection keepAlive;

    @BeforeEach
    void createTable() throws Exception {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:tx-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        keepAlive = dataSource.getConnection();
        try (Statement st = keepAlive.createStatement()) {
            st.execute("CREATE TABLE item (id VARCHAR(20) PRIMARY KEY, n INT CHECK (n >= 0))");
        }
    }

    @Test
    void shouldCommitEveryStatementOfWorkThatReturns() throws Exception {
        String result = Transactions.inTransaction(dataSource, c -> {
            insert(c, "a", 1);
            insert(c, "b", 2);
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void shouldRollBackEveryStatementOfWorkThatThrowsAndRethrowTheSameException() throws Exception {
        IllegalStateException failure = new IllegalStateException("refused");

        assertThatThrownBy(() -> Transactions.inTransaction(dataSource, c -> {
            insert(c, "a", 1);
            if (failure != null) {
                throw failure;
            }
            return "not reached";
        })).isSameAs(failure);
        assertThat(count()).isZero();
    }

    @Test
    void shouldTellAUniqueViolationFromAnotherIntegrityViolation() throws Exception {
        Transactions.inTransaction(dataSource, c -> {
            insert(c, "a", 1);
        });

        SQLException duplicate = catchSql(() -> Transactions.inTransaction(dataSource, c -> {
            insert(c, "a", 2);
        }));
        SQLException negative = catchSql(() -> Transactions.inTransaction(dataSource, c -> {
            insert(c, "b", -1);
        }));

        assertThat(Transactions.isUniqueViolation(duplicate)).isTrue();
        assertThat(Transactions.isIntegrityViolation(duplicate)).isTrue();
        assertThat(Transactions.isUniqueViolation(negative)).isFalse();
        assertThat(Transactions.isIntegrityViolation(negative)).isTrue();
        assertThat(count()).isEqualTo(1);
    }

    private interface SqlCall {
        void run() throws SQLException;
    }

    private static SQLException catchSql(SqlCall call) {
        try {
            call.run();
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("no SQLException");
    }

    private static void insert(Connection c, String id, int n) throws SQLException {
        try (var ps = c.prepareStatement("INSERT INTO item (id, n) VALUES (?, ?)")) {
            ps.setString(1, id);
            ps.setInt(2, n);
            ps.executeUpdate();
        }
    }

    private int count() throws SQLException {
        try (Statement st = keepAlive.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM item")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
