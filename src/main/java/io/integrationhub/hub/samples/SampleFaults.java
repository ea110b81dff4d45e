package io.integrationhub.hub.samples;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.integrationhub.hub.common.HttpProblemException;

/**
 * Faults injected into the stand-in services for demonstrations and tests (set through
 * {@code POST /admin/samples/{service}/faults}): each call of a stand-in first waits
 * {@code latencyMs}, then fails with 503 with probability {@code failureRate}. Also counts the
 * calls each stand-in received, so a test can tell a call refused by an open breaker from one
 * that reached the service.
 */
public class SampleFaults {

    /** What to inject into one service. */
    public record Fault(double failureRate, long latencyMs) {
    }

    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

    /** First step of every stand-in route. */
    public void apply(String service) throws InterruptedException {
        calls.computeIfAbsent(service, s -> new AtomicLong()).incrementAndGet();
        Fault fault = faults.get(service);
        if (fault == null) {
            return;
        }
        if (fault.latencyMs() > 0) {
            TimeUnit.MILLISECONDS.sleep(fault.latencyMs());
        }
        if (ThreadLocalRandom.current().nextDouble() < fault.failureRate()) {
            throw new HttpProblemException(503, "Service Unavailable", "fault injected into the " + service + " stand-in");
        }
    }

    public void set(String service, Fault fault) {
        faults.put(service, fault);
    }

    public void clear(String service) {
        faults.remove(service);
    }

    public Fault get(String service) {
        return faults.getOrDefault(service, new Fault(0, 0));
    }

    public long calls(String service) {
        AtomicLong count = calls.get(service);
        return count == null ? 0 : count.get();
    }
}
