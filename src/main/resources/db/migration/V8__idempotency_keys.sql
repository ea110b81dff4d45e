-- Idempotency-Key of creating POSTs: the first answer to a key is kept for hub.idempotency.ttl, so a
-- client that retries a request whose answer it never got gets that answer again and creates nothing.
CREATE TABLE idempotency_key (
    scope        VARCHAR(100) NOT NULL,
    idem_key     VARCHAR(200) NOT NULL,
    request_hash VARCHAR(64)  NOT NULL,
    status       INTEGER,
    location     VARCHAR(500),
    body         TEXT,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    completed_at TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_key_created ON idempotency_key (created_at);
