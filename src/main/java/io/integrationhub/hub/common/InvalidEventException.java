package io.integrationhub.hub.common;

/** A record that is not an event of the contract (not JSON, no eventId, no key): no retry can help. */
public class InvalidEventException extends Exception {
    public InvalidEventException(String message) {
        super(message);
    }
}
