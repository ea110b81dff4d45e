-- Saga of POST /api/orders: the saga log (one row per order, one per step) lets a restarted hub
-- find the sagas it left in flight and drive each to an end.
CREATE TABLE saga_order (
    order_id    VARCHAR(64)   NOT NULL,
    user_id     VARCHAR(64)   NOT NULL,
    amount      NUMERIC(14,2) NOT NULL,
    items       TEXT          NOT NULL,
    status      VARCHAR(20)   NOT NULL,
    reason      VARCHAR(500),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT saga_order_pk PRIMARY KEY (order_id)
);
CREATE INDEX saga_order_status_idx ON saga_order (status, updated_at);

-- step: PAYMENT or STOCK; status: STARTED, RESERVED, FAILED, COMPENSATED
CREATE TABLE saga_step (
    order_id    VARCHAR(64)  NOT NULL,
    step        VARCHAR(20)  NOT NULL,
    status      VARCHAR(20)  NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT saga_step_pk PRIMARY KEY (order_id, step)
);

-- Stand-in payment service (routes/samples/payment.camel.yaml): one reservation per order.
-- status RESERVED or CANCELLED; a CANCELLED row written before any reservation (the compensation
-- arrived first) makes a late reservation for that order fail.
CREATE TABLE sample_payment_reservation (
    order_id    VARCHAR(64)   NOT NULL,
    user_id     VARCHAR(64)   NOT NULL,
    amount      NUMERIC(14,2) NOT NULL,
    status      VARCHAR(20)   NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sample_payment_reservation_pk PRIMARY KEY (order_id)
);

-- Stand-in inventory service (routes/samples/inventory.camel.yaml): stock per SKU, which
-- reservations really decrement and releases really restore.
CREATE TABLE sample_inventory_stock (
    sku         VARCHAR(64) NOT NULL,
    available   INTEGER     NOT NULL,
    CONSTRAINT sample_inventory_stock_pk PRIMARY KEY (sku),
    CONSTRAINT sample_inventory_stock_not_negative CHECK (available >= 0)
);
INSERT INTO sample_inventory_stock (sku, available) VALUES ('SKU-1', 100);
INSERT INTO sample_inventory_stock (sku, available) VALUES ('SKU-2', 100);
INSERT INTO sample_inventory_stock (sku, available) VALUES ('SKU-3', 100);

-- One hold per order (items as JSON); status RESERVED or RELEASED (also the tombstone of a
-- release that came before any reservation).
CREATE TABLE sample_inventory_hold (
    order_id    VARCHAR(64) NOT NULL,
    items       TEXT        NOT NULL,
    status      VARCHAR(20) NOT NULL,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sample_inventory_hold_pk PRIMARY KEY (order_id)
);
