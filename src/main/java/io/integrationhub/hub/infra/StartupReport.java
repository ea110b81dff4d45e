package io.integrationhub.hub.infra;

import io.integrationhub.hub.common.Redact;
import io.integrationhub.hub.common.HubSettings;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs, once the hub has started, which routes came from Java and which from route files (with the
 * file), and where each broker and database is, so an operator can check the wiring in one look.
 */
public final class StartupReport extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);

    @Override
    public void afterStart(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        List<String> java = new ArrayList<>();
        List<String> files = new ArrayList<>();
        for (Route route : context.getRoutes()) {
            String status = String.valueOf(context.getRouteController().getRouteStatus(route.getRouteId()));
            if (route.getSourceResource() != null) {
                files.add(String.format("%s [%s] from %s", route.getRouteId(), status,
                        route.getSourceResource().getLocation()));
            } else {
                java.add(String.format("%s [%s]", route.getRouteId(), status));
            }
        }
        java.sort(String::compareTo);
        files.sort(String::compareTo);
        StringBuilder sb = new StringBuilder("Integration hub started in ")
                .append(ManagementFactory.getRuntimeMXBean().getUptime()).append(" ms (JVM uptime)");
        sb.append("\n  HTTP:     port ").append(setting(context, "camel.server.port"));
        sb.append("\n  Kafka:    ").append(setting(context, "hub.kafka.brokers"))
                .append(Boolean.parseBoolean(setting(context, "hub.kafka.embedded")) ? " (embedded KRaft broker)" : "");
        sb.append("\n  SQL:      ").append(Redact.url(setting(context, "hub.datasource.url")));
        sb.append("\n  Java routes (").append(java.size()).append("):");
        java.forEach(r -> sb.append("\n    ").append(r));
        sb.append("\n  YAML routes (").append(files.size()).append("):");
        files.forEach(r -> sb.append("\n    ").append(r));
        InstanceRegistry instance = context.getRegistry().lookupByNameAndType("instanceRegistry", InstanceRegistry.class);
        sb.append("\n  Instance: ").append(instance != null ? instance.instanceId() : "(unknown)");
        LOG.info(sb.toString());
    }


    private static String setting(CamelContext context, String key) {
        return HubSettings.optional(context, key).orElse("(not set)");
    }
}
