package io.integrationhub.hub.testkit;

/** Reads counters out of the hub's Prometheus text ({@code GET /observe/metrics}). */
public final class HubMetrics {

    private HubMetrics() {
    }

    /** Sum of the samples of {@code metric} whose labels name route {@code routeId}; 0 when there are none. */
    public static long sum(String prometheusText, String metric, String routeId) {
        double total = 0;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(metric + "{") && line.contains("route=\"" + routeId + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Math.round(total);
    }
}
