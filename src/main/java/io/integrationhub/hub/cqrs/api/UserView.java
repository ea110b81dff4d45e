package io.integrationhub.hub.cqrs.api;

/** A user as the read model holds it (what GraphQL and the request–reply pattern answer). */
public record UserView(String id, String name, String email, String createdAt, String updatedAt) {
}
