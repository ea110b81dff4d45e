-- Work that exactly one of the instances sharing this database may do at a time (the outbox
-- relay, the outbox purge): the instance named in owner holds the lease until expires_at and
-- renews it while it lives; once it has expired any instance may take it over.
CREATE TABLE hub_lease (
    name       VARCHAR(100) PRIMARY KEY,
    owner      VARCHAR(100) NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- A live instance renews its heartbeat; one whose heartbeat is older than the lease time is dead.
ALTER TABLE hub_instance ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE;

-- The instance that runs a saga: only sagas of dead instances are recovered by the others.
ALTER TABLE saga_order ADD COLUMN owner_instance VARCHAR(100);
