package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.Redact;
import io.integrationhub.hub.common.HubSettings;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's SQL database: migrates the schema with Flyway, then binds a HikariCP pool as bean
 * {@code dataSource} and a readiness check {@code datasource}. H2 (file, under data/) by default,
 * PostgreSQL by setting {@code hub.datasource.url}.
 */
public final class DataSourceConfiguration implements CamelConfiguration {

    public static final String BEAN_NAME = "dataSource";
    private static final Logger LOG = LoggerFactory.getLogger(DataSourceConfiguration.class);

    /** The hub's pooled data source, for the patterns' configuration classes. */
    public static DataSource dataSource(CamelContext context) {
        return context.getRegistry().lookupByNameAndType(BEAN_NAME, DataSource.class);
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        String url = HubSettings.required(context, "hub.datasource.url");
        String user = HubSettings.optional(context, "hub.datasource.username").orElse("");
        String password = HubSettings.optional(context, "hub.datasource.password").orElse("");
        String schema = HubSettings.required(context, "hub.datasource.schema");

        migrate(url, user, password, schema);

        HikariConfig config = new HikariConfig();
        config.setPoolName("hub-db");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setSchema(schema);
        config.setMaximumPoolSize(HubSettings.positiveInt(context, "hub.datasource.pool-size"));
        config.setConnectionTimeout(HubSettings.positiveInt(context, "hub.datasource.connection-timeout-ms"));
        HikariDataSource pool = new HikariDataSource(config);
        // on H2, a commit is in the file before it returns (see H2DurableCommits)
        DataSource dataSource = H2DurableCommits.applies(url) ? new H2DurableCommits(pool) : pool;

        context.getRegistry().bind(BEAN_NAME, DataSource.class, dataSource);
        context.getRegistry().bind("datasource-health", new DataSourceHealthCheck(dataSource));
        // closed with the context, after the routes that use it have stopped
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                pool.close();
            }
        }, true, true);
        // added after the pool, so it is stopped (and records the stop) before the pool closes
        InstanceRegistry instances = new InstanceRegistry(dataSource,
                Duration.ofMillis(HubSettings.positiveInt(context, "hub.cluster.lease-ms")));
        context.addService(instances, true, true);
        context.getRegistry().bind("instanceRegistry", instances);
        context.getRegistry().bind("leases", instances.leases());
        LOG.info("SQL database: {} (schema {})", Redact.url(url), schema);
    }

    private static void migrate(String url, String user, String password, String schema) {
        try {
            Flyway flyway = Flyway.configure()
                    .dataSource(url, user, password)
                    .schemas(schema)
                    .defaultSchema(schema)
                    .createSchemas(true)
                    .locations("classpath:db/migration")
                    .load();
            // the version from migrate's own result: flyway.info() would scan and query it all again (0.2 s of the start)
            MigrateResult result = flyway.migrate();
            String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
            LOG.info("Database schema {} at version {} ({} migrations applied now)",
                    schema, version == null ? "none" : version, result.migrationsExecuted);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot migrate the database at hub.datasource.url=" + Redact.url(url)
                    + " (is the database running and reachable?): " + e.getMessage(), e);
        }
    }

    /** Readiness check: the pool hands out a connection that answers within two seconds. */
    static final class DataSourceHealthCheck extends DependencyHealthCheck {
        private final DataSource dataSource;

        DataSourceHealthCheck(DataSource dataSource) {
            super("datasource");
            this.dataSource = dataSource;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try (Connection c = dataSource.getConnection()) {
                builder.detail("database", c.getMetaData().getDatabaseProductName());
                if (c.isValid(2)) {
                    builder.up();
                } else {
                    builder.down().message("connection not valid");
                }
            } catch (Exception e) {
                builder.down().error(e).message(e.getMessage());
            }
        }
    }
}
