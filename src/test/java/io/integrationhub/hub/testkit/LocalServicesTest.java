package io.integrationhub.hub.testkit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A missing local service fails a test with the service's name, address and the command that starts it. */
class LocalServicesTest {

    @Test
    void shouldNameTheServiceAndHowToStartItWhenItIsAbsent() {
        assertThat(LocalServices.unavailableMessage(LocalServices.Service.NATS))
                .contains("NATS").contains("127.0.0.1:4222").contains("nats-server");
        assertThat(LocalServices.unavailableMessage(LocalServices.Service.RABBITMQ))
                .contains("RabbitMQ").contains("rabbitmq-server -detached");
        assertThat(LocalServices.unavailableMessage(LocalServices.Service.POSTGRES))
                .contains("PostgreSQL").contains("pg_ctlcluster");
    }

    @Test
    void shouldTellAClosedPortFromAnOpenOne() {
        assertThat(LocalServices.reachable("127.0.0.1", RunningHub.freePort())).isFalse();
        assertThat(LocalServices.reachable(LocalServices.Service.POSTGRES.host(), LocalServices.Service.POSTGRES.port()))
                .as("the local PostgreSQL the integration tests use").isTrue();
    }
}
