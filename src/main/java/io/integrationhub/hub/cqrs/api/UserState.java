package io.integrationhub.hub.cqrs.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A user as the command side knows it: the {@code data} of {@code UserCreated} and {@code UserUpdated}
 * events (the whole state, so the projector never needs an earlier event to apply one) and the
 * answer of {@code GET}/{@code PUT /users/{id}}. {@code version} grows by one with every change.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UserState(String id, String name, String email, String createdAt, String updatedAt, long version) {
}
