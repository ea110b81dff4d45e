package io.integrationhub.hub.samples;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.integrationhub.hub.common.DomainException;

/**
 * Faults injected into the stand-in services for demonstrations and tests (set through
 * {@code POST /admin/samples/{service}/faults}): each call of a stand-in first waits
 * {@code latencyMs}, then fails with 503 with probability {@code failureRate}. A fault applies to
 * every operation of the service (reads too, so the order view can be shown degrading) except
 * its compensations, which stay fault-free so a saga can always be undone; {@code operations}
 * narrows it to the operations named, compensations included if named. Also counts the
 * calls each stand-in received, so a test can tell a call refused by an open breaker from one
 * that reached the service.
 */
public class SampleFaults {

    /** Operations of each stand-in service, as the stand-in routes name them. */
    public static final Map<String, Set<String>> OPERATIONS = Map.of(
            "service-b", Set.of("data"),
            "payment", Set.of("reserve", "cancel", "get"),
            "inventory", Set.of("reserve", "release", "stock"));
    /** Operations that undo a saga step: faulted only when named in {@code operations}. */
    public static final Set<String> COMPENSATIONS = Set.of("cancel", "release");

    /** What to inject into one service; empty {@code operations}: every operation but compensations. */
    public record Fault(double failureRate, long latencyMs, List<String> operations) {
        public Fault {
            operations = operations == null ? List.of() : List.copyOf(operations);
        }

        boolean covers(String operation) {
            return operations.isEmpty() ? !COMPENSATIONS.contains(operation) : operations.contains(operation);
        }
    }

    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

    /** First step of every stand-in route: {@code operation} is one of {@link #OPERATIONS} of the service. */
    public void apply(String service, String operation) throws InterruptedException {
        if (!COMPENSATIONS.contains(operation)) {
            // what a test compares before/after an open breaker: compensations run whatever the breaker says
            calls.computeIfAbsent(service, s -> new AtomicLong()).incrementAndGet();
        }
        Fault fault = faults.get(service);
        if (fault == null || !fault.covers(operation)) {
            return;
        }
        if (fault.latencyMs() > 0) {
            TimeUnit.MILLISECONDS.sleep(fault.latencyMs());
        }
        if (ThreadLocalRandom.current().nextDouble() < fault.failureRate()) {
            throw new DomainException.Unavailable("fault injected into the " + service + " stand-in");
        }
    }

    public void set(String service, Fault fault) {
        faults.put(service, fault);
    }

    public void clear(String service) {
        faults.remove(service);
    }

    public Fault get(String service) {
        return faults.getOrDefault(service, new Fault(0, 0, List.of()));
    }

    public long calls(String service) {
        AtomicLong count = calls.get(service);
        return count == null ? 0 : count.get();
    }
}
