package io.integrationhub.hub.cqrs.api;

/** Names of the events on {@code user-events} (the envelope's {@code event} field). */
public final class UserEvents {

    public static final String CREATED = "UserCreated";
    public static final String UPDATED = "UserUpdated";
    public static final String DELETED = "UserDeleted";

    private UserEvents() {
    }
}
