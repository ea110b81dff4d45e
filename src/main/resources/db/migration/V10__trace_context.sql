-- Tracing: what a piece of work made keeps the trace it belongs to. The outbox keeps the W3C
-- traceparent of the write (the relay continues that trace when it publishes the event, as
-- Debezium's outbox router does with its span-context field); tasks and orders keep their trace id,
-- shown by GET /api/tasks/{id} and GET /api/orders/{id}. Null when tracing is off or not sampled.
ALTER TABLE outbox ADD COLUMN traceparent VARCHAR(64);
ALTER TABLE task ADD COLUMN trace_id VARCHAR(32);
ALTER TABLE saga_order ADD COLUMN trace_id VARCHAR(32);
