package io.integrationhub.hub.saga;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.integrationhub.hub.saga.api.OrderItem;
import io.integrationhub.hub.saga.api.OrderRequest;
import io.integrationhub.hub.testkit.MemoryDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which idle sagas an instance may recover when several share the database: its own, and those of
 * an instance that stopped or whose heartbeat is older than the lease time; never those of a live
 * instance.
 */
class SagaLogOwnershipTest {

    private static final Duration LEASE = Duration.ofSeconds(10);

    private DataSource db;
    private SagaLog a;
    private SagaLog b;

    @BeforeEach
    void twoInstances() throws Exception {
        db = MemoryDatabase.migrated();
        a = new SagaLog(db, "order-events", "instance-a", LEASE);
        b = new SagaLog(db, "order-events", "instance-b", LEASE);
        instance("instance-a");
        instance("instance-b");
    }

    @Test
    void shouldNeverRecoverTheIdleSagaOfALiveInstance() throws Exception {
        String order = idleOrderOf(b);

        assertThat(a.stalled(1000)).as("instance b is alive").doesNotContain(order);
        assertThat(b.stalled(1000)).as("its own idle saga").contains(order);
    }

    @Test
    void shouldRecoverTheSagaOfAnInstanceWhoseHeartbeatStopped() throws Exception {
        String order = idleOrderOf(b);
        sql("UPDATE hub_instance SET heartbeat_at = ? WHERE instance_id = 'instance-b'",
                Timestamp.from(Instant.now().minus(LEASE).minusSeconds(5)));

        assertThat(a.stalled(1000)).contains(order);
    }

    @Test
    void shouldRecoverTheSagaOfAnInstanceThatStopped() throws Exception {
        String order = idleOrderOf(b);
        sql("UPDATE hub_instance SET stopped_at = ? WHERE instance_id = 'instance-b'", Timestamp.from(Instant.now()));

        assertThat(a.stalled(1000)).contains(order);
    }

    @Test
    void shouldLeaveADeadInstancesSagaThatMovedWithinTheLeaseTime() throws Exception {
        String order = b.start(new OrderRequest("u-1", List.of(new OrderItem("SKU-1", 1)), BigDecimal.ONE)).orderId();
        sql("UPDATE hub_instance SET stopped_at = ? WHERE instance_id = 'instance-b'", Timestamp.from(Instant.now()));

        assertThat(a.stalled(1000)).as("changed just now").doesNotContain(order);
    }

    private String idleOrderOf(SagaLog owner) throws Exception {
        String order = owner.start(new OrderRequest("u-1", List.of(new OrderItem("SKU-1", 1)), BigDecimal.ONE)).orderId();
        sql("UPDATE saga_order SET updated_at = ? WHERE order_id = '" + order + "'",
                Timestamp.from(Instant.now().minus(Duration.ofHours(1))));
        return order;
    }

    private void instance(String id) throws Exception {
        sql("INSERT INTO hub_instance (instance_id, host_name, started_at, heartbeat_at) VALUES ('" + id
                + "', 'test', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", null);
    }

    private void sql(String statement, Timestamp value) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            if (value != null) {
                ps.setTimestamp(1, value);
            }
            ps.executeUpdate();
        }
    }
}
