package io.integrationhub.hub.queue.api;

/** Where a task is: waiting or being retried, done, failed for good, or parked in the dead-letter queue. */
public enum TaskStatus {
    QUEUED, DONE, FAILED, DEAD_LETTERED
}
