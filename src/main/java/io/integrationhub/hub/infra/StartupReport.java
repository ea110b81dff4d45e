package io.integrationhub.hub.infra;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs, once the hub has started, which routes came from Java and which from route files (with the
 * file), and where each broker and database is, so an operator can check the wiring in one look.
 * Also records the instance in table {@code hub_instance}, so the nodes sharing a database are known.
 */
public final class StartupReport extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        List<String> java = new ArrayList<>();
        List<String> files = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            String status = String.valueOf(context.getRouteController().getRouteStatus(route.getRouteId()));
            if (route.getSourceResource() != null) {
                files.add(String.format("%s [%s] from %s", route.getRouteId(), status,
                        route.getSourceResource().getLocation()));
            } else {
                java.add(String.format("%s [%s]", route.getRouteId(), status));
            }
        }
        java.sort(String::compareTo);
        files.sort(String::compareTo);
        StringBuilder sb = new StringBuilder("Integration hub started in ")
                .append(ManagementFactory.getRuntimeMXBean().getUptime()).append(" ms (JVM uptime)");
        sb.append("\n  HTTP:     port ").append(setting(context, "camel.server.port"));
        sb.append("\n  Kafka:    ").append(setting(context, "hub.kafka.brokers"))
                .append(Boolean.parseBoolean(setting(context, "hub.kafka.embedded")) ? " (embedded KRaft broker)" : "");
        sb.append("\n  SQL:      ").append(setting(context, "hub.datasource.url"));
        sb.append("\n  Java routes (").append(java.size()).append("):");
        java.forEach(r -> sb.append("\n    ").append(r));
        sb.append("\n  YAML routes (").append(files.size()).append("):");
        files.forEach(r -> sb.append("\n    ").append(r));
        sb.append("\n  Instance: ").append(recordStart(context));
        LOG.info(sb.toString());
    }

    @Override
    public void beforeStop(BaseMainSupport main) {
        DataSource ds = main.getCamelContext().getRegistry().lookupByNameAndType(DataSourceConfiguration.BEAN_NAME, DataSource.class);
        if (ds == null || instanceId == null) {
            return;
        }
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE hub_instance SET stopped_at = ? WHERE instance_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, instanceId);
            ps.executeUpdate();
        } catch (Exception e) {
            LOG.warn("Could not record the stop of instance {}: {}", instanceId, e.getMessage());
        }
    }

    private volatile String instanceId;

    private String recordStart(CamelContext context) {
        DataSource ds = context.getRegistry().lookupByNameAndType(DataSourceConfiguration.BEAN_NAME, DataSource.class);
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        String id = host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO hub_instance (instance_id, host_name, started_at) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, host);
            ps.setTimestamp(3, Timestamp.from(Instant.now()));
            ps.executeUpdate();
            instanceId = id;
        } catch (Exception e) {
            LOG.warn("Could not record instance {} in hub_instance: {}", id, e.getMessage());
        }
        return id;
    }

    private static String setting(CamelContext context, String key) {
        return HubSettings.optional(context, key).orElse("(not set)");
    }
}
