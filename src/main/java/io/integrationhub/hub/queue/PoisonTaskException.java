package io.integrationhub.hub.queue;

/** A message that no retry can process (not JSON, no task id, unknown type): dead-lettered at once. */
public class PoisonTaskException extends Exception {
    public PoisonTaskException(String message) {
        super(message);
    }

    public PoisonTaskException(String message, Throwable cause) {
        super(message, cause);
    }
}
