package io.integrationhub.hub.infra;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this hub instance in table {@code hub_instance} when it starts and when it stops, so the
 * instances sharing one database (and so the work of queues and sagas) can be told apart.
 */
public final class InstanceRegistry extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceRegistry.class);

    private final DataSource dataSource;
    private final String instanceId;
    private final String host;

    public InstanceRegistry(DataSource dataSource) {
        this.dataSource = dataSource;
        this.host = hostName();
        this.instanceId = host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
    }

    /** The id of the running instance, for the patterns' configuration classes. */
    public static String instanceId(org.apache.camel.CamelContext context) {
        return context.getRegistry().lookupByNameAndType("instanceRegistry", InstanceRegistry.class).instanceId();
    }

    /** The id this instance is known by in logs, metrics and the database. */
    public String instanceId() {
        return instanceId;
    }

    @Override
    protected void doStart() throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO hub_instance (instance_id, host_name, started_at) VALUES (?, ?, ?)")) {
            ps.setString(1, instanceId);
            ps.setString(2, host);
            ps.setTimestamp(3, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
    }

    @Override
    protected void doStop() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE hub_instance SET stopped_at = ? WHERE instance_id = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.now()));
            ps.setString(2, instanceId);
            ps.executeUpdate();
        } catch (Exception e) {
            LOG.warn("Could not record the stop of instance {}: {}", instanceId, e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown-host";
        }
    }
}
