package io.integrationhub.hub.queue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.integrationhub.hub.queue.api.TaskMessage;

/**
 * The work behind each task type. These are demonstration tasks, so a user can watch retries, dead
 * letters and redelivery happen; a real deployment replaces this bean with its own work.
 * <ul>
 *   <li>{@code noop}: succeeds at once;</li>
 *   <li>{@code delay}: works for {@code payload.ms} milliseconds (at most 60 000), then succeeds;</li>
 *   <li>{@code fail}: always fails with {@code payload.reason};</li>
 *   <li>{@code flaky}: fails its first {@code payload.failures} attempts in this instance, then succeeds;</li>
 *   <li>{@code gated}: fails while its gate {@code payload.gate} is closed ({@link #open}): a bug that is
 *       fixed later, so that its dead letters can be redriven (docs/recovery.md).</li>
 * </ul>
 * Any other type is a {@link PoisonTaskException}: retrying cannot help, it goes straight to the dead letters.
 */
public class TaskHandlers {

    private final Map<String, AtomicInteger> flakyAttempts = new ConcurrentHashMap<>();
    private final Set<String> openGates = ConcurrentHashMap.newKeySet();

    /** Opens gate {@code gate}: {@code gated} tasks behind it succeed from now on (in this instance). */
    public void open(String gate) {
        openGates.add(gate);
    }

    public void run(TaskMessage task) throws Exception {
        switch (task.type()) {
            case "noop" -> {
                // nothing to do
            }
            case "delay" -> TimeUnit.MILLISECONDS.sleep(Math.min(60_000, Math.max(0, task.payload().path("ms").asLong(0))));
            case "fail" -> throw new TaskFailedException(task.payload().path("reason").asText("task asked to fail"));
            case "flaky" -> {
                int failures = task.payload().path("failures").asInt(1);
                int attempt = flakyAttempts.computeIfAbsent(task.taskId(), k -> new AtomicInteger()).incrementAndGet();
                if (attempt <= failures) {
                    throw new TaskFailedException("flaky failure " + attempt + " of " + failures);
                }
                flakyAttempts.remove(task.taskId());
            }
            case "gated" -> {
                String gate = task.payload().path("gate").asText("");
                if (!openGates.contains(gate)) {
                    throw new TaskFailedException("gate '" + gate + "' is closed");
                }
            }
            default -> throw new PoisonTaskException("unknown task type '" + task.type() + "'");
        }
    }

    /** A task's work failed; it may succeed when tried again. */
    public static class TaskFailedException extends Exception {
        public TaskFailedException(String message) {
            super(message);
        }
    }
}
