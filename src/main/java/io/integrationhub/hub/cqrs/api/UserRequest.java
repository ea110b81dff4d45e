package io.integrationhub.hub.cqrs.api;

/** Body of {@code POST /users} ({@code id} optional) and {@code PUT /users/{id}} (no {@code id}). */
public record UserRequest(String id, String name, String email) {
}
