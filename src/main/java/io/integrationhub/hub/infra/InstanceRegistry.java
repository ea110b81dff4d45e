package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.Leases;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this hub instance in table {@code hub_instance} when it starts and when it stops, and
 * renews its heartbeat there every third of {@code hub.cluster.lease-ms} while it runs, so the
 * instances sharing one database can tell a live instance from a dead one (saga recovery) and
 * share singleton work through {@link Leases}.
 */
public final class InstanceRegistry extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceRegistry.class);

    private final DataSource dataSource;
    private final String instanceId;
    private final String host;
    private final Duration leaseTime;
    private final Leases leases;
    private ScheduledExecutorService heartbeat;

    public InstanceRegistry(DataSource dataSource, Duration leaseTime) {
        this.dataSource = dataSource;
        this.host = hostName();
        this.instanceId = host + "-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
        this.leaseTime = leaseTime;
        this.leases = new Leases(dataSource, instanceId, leaseTime);
    }

    /** The leases of singleton work, held in this instance's name. */
    public Leases leases() {
        return leases;
    }

    /** How long an instance without a heartbeat (or a lease holder without a renewal) counts as alive. */
    public Duration leaseTime() {
        return leaseTime;
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
                     "INSERT INTO hub_instance (instance_id, host_name, started_at, heartbeat_at) "
                             + "VALUES (?, ?, ?, CURRENT_TIMESTAMP)")) {
            ps.setString(1, instanceId);
            ps.setString(2, host);
            ps.setTimestamp(3, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-instance-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, leaseTime.toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE hub_instance SET heartbeat_at = CURRENT_TIMESTAMP WHERE instance_id = ?")) {
            ps.setString(1, instanceId);
            ps.executeUpdate();
        } catch (Exception e) {
            LOG.warn("Heartbeat of instance {} not recorded: {}", instanceId, e.getMessage());
        }
    }

    @Override
    protected void doStop() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        leases.releaseAll();
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
