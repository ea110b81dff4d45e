package io.integrationhub.hub.cqrs.api;

/** Answer of {@code POST /users} (201): the id of the user created. */
public record UserId(String id) {
}
