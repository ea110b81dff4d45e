-- Every hub instance that started against this database: which nodes share the work
-- (competing consumers, saga recovery) and since when. Portable between H2 and PostgreSQL.
CREATE TABLE hub_instance (
    instance_id VARCHAR(100) PRIMARY KEY,
    host_name   VARCHAR(255) NOT NULL,
    started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    stopped_at  TIMESTAMP WITH TIME ZONE
);
