package io.integrationhub.hub.cqrs.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The {@code data} of a {@code UserDeleted} event. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UserDeleted(String id, String deletedAt, long version) {
}
