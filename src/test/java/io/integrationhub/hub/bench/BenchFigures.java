package io.integrationhub.hub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What both benchmark classes measure a run by, and how they read the hub process's CPU and memory. */
final class BenchFigures {

    /** USER_HZ on Linux: the unit of the CPU times in /proc/[pid]/stat. */
    static final long CLOCK_TICKS_PER_SECOND = 100;

    private BenchFigures() {
    }

    /** One measured run: per second, latency percentiles in ms (NaN: not measured), CPU-s per 1,000. */
    record Run(double throughput, double p50Ms, double p99Ms, double cpuPerThousand) {
    }

    /** user + system CPU ticks of a process so far. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
    }

    /** Resident memory of a process (KiB). */
    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    /** The run of median throughput. */
    static Run median(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.throughput(), b.throughput()));
        return sorted.get(sorted.size() / 2);
    }

    static double medianCpu(List<Run> runs) {
        return medianOf(runs.stream().map(Run::cpuPerThousand).toList());
    }

    static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }

    static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }
}
