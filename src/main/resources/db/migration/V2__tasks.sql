-- Status of every task of the message-queue pattern (RabbitMQ queue "tasks").
-- Shared by all hub instances; survives restarts.
CREATE TABLE task (
    task_id       VARCHAR(100) PRIMARY KEY,
    task_type     VARCHAR(100),
    status        VARCHAR(20)  NOT NULL,
    attempts      INTEGER      NOT NULL DEFAULT 0,
    completions   INTEGER      NOT NULL DEFAULT 0,
    processed_by  VARCHAR(255),
    last_error    VARCHAR(1000),
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX task_status_idx ON task (status);
