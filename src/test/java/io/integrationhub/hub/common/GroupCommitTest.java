package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupCommitTest {

    private final AtomicInteger connections = new AtomicInteger();
    private DataSource dataSource;
    private GroupCommit group;

    @BeforeEach
    void database() throws SQLException {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:group-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        dataSource = new DelegatingDataSource(h2) {
            @Override
            public Connection getConnection() throws SQLException {
                connections.incrementAndGet();
                return super.getConnection();
            }
        };
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
        }
        connections.set(0);
        group = new GroupCommit(dataSource, "test", 500);
    }

    @AfterEach
    void stop() {
        group.close();
    }

    @Test
    void shouldCommitTheWritesWaitingTogetherInOneTransaction() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> first = group.submit(c -> {
            await(release); // holds the writer while the others queue up
            return insert(c, 0);
        });
        List<CompletableFuture<Integer>> rest = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            int id = i;
            rest.add(group.submit(c -> insert(c, id)));
        }
        release.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        for (CompletableFuture<Integer> f : rest) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        // the writer takes the first (with any already queued beside it), then all the rest at once
        assertThat(connections.get()).as("transactions for 51 writes").isBetween(1, 2);
        assertThat(count()).isEqualTo(51);
    }

    @Test
    void shouldFailOnlyTheWriteThatFailedAndKeepTheOthersOfItsGroup() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> first = group.submit(c -> {
            await(release);
            return insert(c, 1);
        });
        CompletableFuture<Integer> duplicate = group.submit(c -> insert(c, 1));
        CompletableFuture<Integer> other = group.submit(c -> insert(c, 2));
        release.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThatThrownBy(() -> duplicate.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SQLException.class);
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void shouldRefuseWritesOnceClosed() {
        group.close();
        assertThatThrownBy(() -> group.submit(c -> insert(c, 9)).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SQLException.class);
    }

    private static int insert(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO t (id) VALUES (?)")) {
            ps.setInt(1, id);
            return ps.executeUpdate();
        }
    }

    private long count() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
