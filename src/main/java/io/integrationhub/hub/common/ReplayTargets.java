package io.integrationhub.hub.common;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.CamelContext;

/**
 * The consumers that derive state from a topic, each with its route, its consumer group and how to
 * clear what it derived. Each pattern registers its own (the event log's projection, the CQRS read
 * model); the event log's replay ({@code POST /admin/replay/{topic}}) stops, clears and rewinds them.
 * Kept here so that a pattern registers without knowing the event log, in any order.
 */
public final class ReplayTargets {

    /** Bean name of the hub's one instance. */
    public static final String BEAN = "replayTargets";

    /** Clears what one consumer derived from a topic. */
    @FunctionalInterface
    public interface Reset {
        void reset() throws Exception;
    }

    /** A consumer route of a topic in group {@code groupId} whose state {@code reset} clears. */
    public record Target(String routeId, String groupId, Reset reset) {
    }

    private final Map<String, List<Target>> targets = new ConcurrentHashMap<>();

    /** The hub's instance: made by whichever configuration asks first, so patterns need no order. */
    public static ReplayTargets of(CamelContext context) {
        synchronized (context) {
            ReplayTargets found = context.getRegistry().lookupByNameAndType(BEAN, ReplayTargets.class);
            if (found == null) {
                found = new ReplayTargets();
                context.getRegistry().bind(BEAN, found);
            }
            return found;
        }
    }

    public void register(String topic, String routeId, String groupId, Reset reset) {
        targets.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(new Target(routeId, groupId, reset));
    }

    /** The consumers registered for {@code topic}, in the order they registered. */
    public List<Target> of(String topic) {
        return List.copyOf(targets.getOrDefault(topic, List.of()));
    }
}
