package io.integrationhub.hub.queue;

import io.integrationhub.hub.common.DeadLetterRouteConfiguration;

/**
 * Route configuration {@value #ID} of the task workers: a failed attempt is retried with
 * exponential back-off up to {@code hub.tasks.max-attempts} attempts in all, then the original
 * message goes to the dead-letter route; a poison message goes there at once. The message is
 * acknowledged only after it was either processed or dead-lettered, so none is lost and none loops.
 */
public class TaskDeadLetterConfiguration extends DeadLetterRouteConfiguration {

    public static final String ID = "queue-dead-letter";

    public TaskDeadLetterConfiguration() {
        super(ID, "direct:queue-task-dead-letter", "hub.tasks.max-attempts", "{{hub.tasks.retry-delay-ms}}",
                PoisonTaskException.class);
    }
}
