-- A subscriber's effect once per order, even when NATS delivers a message twice (a JetStream
-- redelivery after a crash before the ack, or a publisher's retry). The key is
-- "<subscriber>:<orderId>" for a subscriber whose work is shared (a JetStream durable or a queue
-- group: any instance may get the redelivery) and "<subscriber>:<orderId>:<instance>" for a plain
-- core subscriber, which every instance runs for itself (fan-out per instance). Rows of earlier
-- versions have no key.
ALTER TABLE pubsub_delivery ADD COLUMN effect_key VARCHAR(400);
CREATE UNIQUE INDEX pubsub_delivery_effect_idx ON pubsub_delivery (effect_key);
