package io.integrationhub.hub.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

    /** Debian's wrk, the third-party load tool issue 14's figures were measured with. */
    static final Path WRK = Path.of("/usr/bin/wrk");

    /** Whether wrk is installed ({@code apt-get install wrk}); without it the harness drives with the JDK's client. */
    static boolean hasWrk() {
        return Files.isExecutable(WRK);
    }

    /**
     * {@code connections} callers on {@code target} for {@code seconds} with wrk (2 threads, keep-alive, each
     * caller sending its next request on its answer; {@code script}: a wrk Lua script, e.g. a pause).
     * Returns requests per second and, from {@code --latency}, the p50 and p99 in ms.
     */
    static Run wrk(URI target, int connections, int seconds, Path script) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(WRK.toString(), "-t2", "-c" + connections, "-d" + seconds + "s", "--latency"));
        if (script != null) {
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(target.toString());
        Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor();
        long requests = -1;
        double measured = Double.NaN;
        long failed = 0;
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (t.matches("\\d+ requests in [0-9.]+[a-z]+,.*")) {
                requests = Long.parseLong(t.substring(0, t.indexOf(' ')));
                String in = t.substring(t.indexOf(" in ") + 4, t.indexOf(','));
                measured = millis(in) / 1000;
            } else if (t.startsWith("50%")) {
                p50 = millis(t.substring(3).trim());
            } else if (t.startsWith("99%")) {
                p99 = millis(t.substring(3).trim());
            } else if (t.startsWith("Non-2xx or 3xx responses:")) {
                failed = Long.parseLong(t.substring("Non-2xx or 3xx responses:".length()).trim());
            }
        }
        if (requests < 0) {
            throw new IllegalStateException("wrk said: " + out);
        }
        if (failed > 0 || out.contains("Socket errors")) {
            // counted out of the figure, as the JDK client's failed calls are
            System.out.printf("  %s: %d answers other than 2xx; %s%n", target, failed,
                    out.contains("Socket errors") ? out.substring(out.indexOf("Socket errors")).split("\n")[0] : "no socket errors");
        }
        return new Run((requests - failed) / measured, p50, p99, Double.NaN);
    }

    /**
     * A wrk script that POSTs JSON: {@code body} as it is, or, when it holds {@code {n}}, with {@code {n}} replaced
     * by a number unique to the request: each wrk thread counts on its own, so the number starts with the thread's
     * and the run's start (each wrk run counts from 1 again; runs are seconds apart).
     */
    static Path wrkPost(Path dir, String name, String body) throws IOException {
        String quoted = "'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'";
        String script = body.contains("{n}")
                ? "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
                  + "local threads = 0\nfunction setup(thread)\n  threads = threads + 1\n  thread:set(\"id\", threads)\nend\n"
                  + "local n = 0\nlocal prefix\nfunction init(args)\n  prefix = os.time() .. \"-\" .. id .. \"-\"\nend\n"
                  + "function request()\n  n = n + 1\n"
                  + "  return wrk.format(nil, nil, nil, (string.gsub(" + quoted + ", \"{n}\", prefix .. n)))\nend\n"
                : "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = " + quoted + "\n";
        Path file = dir.resolve(name + ".lua");
        Files.writeString(file, script);
        return file;
    }

    /** wrk's latency figures ("812.00us", "1.23ms", "2.01s") in ms. */
    static double millis(String figure) {
        if (figure.endsWith("us")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 2)) / 1000;
        }
        if (figure.endsWith("ms")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 2));
        }
        if (figure.endsWith("m")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 1)) * 60_000;
        }
        if (figure.endsWith("s")) {
            return Double.parseDouble(figure.substring(0, figure.length() - 1)) * 1000;
        }
        return Double.parseDouble(figure);
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
