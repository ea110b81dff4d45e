package io.integrationhub.hub.cqrs.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The {@code data} of a {@code UserUpdated} event, schema version 2 (events/UserUpdated/v2.json): the
 * whole user after the change, as in version 1, and {@code changedFields}, which of {@code name} and
 * {@code email} the change altered (empty when a {@code PUT} repeated the same values). Version 1
 * events are read with both fields ({@code EventSchemas.UPCASTERS}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UserUpdated(String id, String name, String email, String createdAt, String updatedAt, long version,
                          List<String> changedFields) {

    public static UserUpdated of(UserState user, List<String> changedFields) {
        return new UserUpdated(user.id(), user.name(), user.email(), user.createdAt(), user.updatedAt(), user.version(),
                changedFields);
    }
}
