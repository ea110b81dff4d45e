package io.integrationhub.hub.it;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.testkit.KafkaTestKit;
import io.integrationhub.hub.testkit.LocalServices;
import io.integrationhub.hub.testkit.RunningHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub on the local PostgreSQL: Flyway creates its schema and the hub records itself, then stops cleanly. */
@ExtendWith(KafkaTestKit.class)
class PostgresSmokeTest {

    @TempDir
    Path workDir;

    private final String schema = LocalServices.uniqueSchema("hub_it");

    @AfterEach
    void dropSchema() {
        LocalServices.dropPostgresSchema(schema);
    }

    @Test
    void shouldMigrateItsOwnSchemaAndRecordTheInstance() throws Exception {
        try (RunningHub hub = RunningHub.start(workDir, Map.of(
                "hub.datasource.url", LocalServices.postgresUrl(),
                "hub.datasource.username", LocalServices.postgresUser(),
                "hub.datasource.schema", schema))) {
            assertThat(hub.get("/observe/health/ready").statusCode()).isEqualTo(200);
        }

        try (Connection c = DriverManager.getConnection(LocalServices.postgresUrl(), LocalServices.postgresUser(), "")) {
            List<String> migrations = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT version FROM " + schema + ".flyway_schema_history WHERE success ORDER BY installed_rank")) {
                while (rs.next()) {
                    migrations.add(rs.getString(1));
                }
            }
            assertThat(migrations).contains("1");
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*), count(stopped_at) FROM " + schema + ".hub_instance")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getInt(2)).as("stop recorded on shutdown").isEqualTo(1);
            }
        }
    }
}
