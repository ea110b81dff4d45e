package io.integrationhub.hub.saga.api;

/** One line of an order: how many of which SKU. */
public record OrderItem(String sku, int quantity) {
}
