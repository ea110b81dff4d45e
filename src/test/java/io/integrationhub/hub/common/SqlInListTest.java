package io.integrationhub.hub.common;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.stream.IntStream;

import io.integrationhub.hub.testkit.LocalServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On the machine's PostgreSQL, the projections' idempotence lookup run many times on one connection
 * while its table is small, as the projection runs it from its first records on, then after the table
 * grew: PostgreSQL never plans it once for all (before the fix it switched to its generic plan once the
 * table had grown, a sequential scan comparing each row with all 500 keys). PostgreSQL's own view of
 * the session's prepared statements says how each run was planned; no timing is asserted.
 */
class SqlInListTest {

    private String schema;
    private Connection c;

    @BeforeEach
    void table() throws Exception {
        LocalServices.require(LocalServices.Service.POSTGRES);
        schema = LocalServices.uniqueSchema("inlist");
        c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".applied (event_id VARCHAR(100) PRIMARY KEY, topic VARCHAR(255))");
            s.execute("INSERT INTO " + schema + ".applied SELECT 'ev-' || g, 't' FROM generate_series(1, 600) g");
        }
    }

    @AfterEach
    void drop() throws Exception {
        if (c != null) {
            c.close();
        }
        LocalServices.dropPostgresSchema(schema);
    }

    @Test
    void shouldPlanEachLookupWithItsKeysNeverOnceForAll() throws Exception {
        List<String> keys = IntStream.range(0, 500).mapToObj(i -> "ev-" + (i * 7 + 1)).toList();
        String sql = "SELECT event_id FROM " + schema + ".applied WHERE event_id IN ";
        for (int i = 0; i < 12; i++) {
            assertThat(SqlInList.select(c, sql, keys, rs -> rs.getString(1))).hasSize(86).contains("ev-1", "ev-596");
        }
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + schema + ".applied SELECT 'grown-' || g, 't' FROM generate_series(1, 200000) g");
        }
        // measured once by hand here: the next runs took 2,070 ms each on a generic plan, 16 ms planned with their keys
        for (int i = 0; i < 3; i++) {
            assertThat(SqlInList.select(c, sql, keys, rs -> rs.getString(1))).hasSize(86);
        }
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(generic_plans), 0) FROM pg_prepared_statements "
                     + "WHERE statement LIKE '%" + schema + ".applied WHERE event_id IN%'")) {
            rs.next();
            assertThat(rs.getLong(2)).as("runs of the lookup on a generic plan").isZero();
            assertThat(rs.getLong(1)).as("server-side prepared lookups").isZero();
        }
    }
}
