package io.integrationhub.hub.gateway;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.integrationhub.hub.common.OnStarted;
import io.integrationhub.hub.common.HubSettings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs {@link EdgeSecurity} in front of every route of the HTTP port. {@code /admin/**} is closed
 * until {@code hub.security.admin-key} is set; writes and {@code /api/gateway/**} ask for keys once
 * {@code hub.security.api-keys} is set: keys as {@code key:right+right,…} (rights {@code write},
 * {@code gateway}), {@code hub.security.rate-limit} requests per second per key. Keys come from the
 * environment ({@code HUB_SECURITY_API_KEYS}, {@code HUB_SECURITY_ADMIN_KEY}) or from files
 * ({@code hub.security.api-keys-file}, {@code hub.security.admin-key-file}: container secrets),
 * never from the repository, and are never logged.
 */
public final class SecurityConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);
    private static final Set<String> RIGHTS = Set.of("write", "gateway");

    @Override
    public void configure(CamelContext context) throws Exception {
        String keys = HubSettings.secret(context, "hub.security.api-keys");
        String adminKey = HubSettings.secret(context, "hub.security.admin-key");
        int rate = HubSettings.positiveInt(context, "hub.security.rate-limit");
        Map<String, Set<String>> rights = parse(keys == null ? "" : keys);
        if (rights.isEmpty()) {
            LOG.warn("hub.security.api-keys is not set: writes and /api/gateway/** are open to anyone");
        }
        if (adminKey == null) {
            LOG.info("/admin/** is closed (403) until hub.security.admin-key is set");
        }
        EdgeSecurity security = new EdgeSecurity(rights, adminKey, rate);
        int port = HubSettings.port(context, "camel.server.port");
        OnStarted.once(context, ctx -> {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(ctx, VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                router = VertxPlatformHttpRouter.lookup(ctx);
            }
            // before every route of the port, whatever order they were added in
            router.route().order(-1000).handler(security::handle);
            LOG.info("Edge security: {} API keys ({} requests/s each), admin key {}", rights.size(), rate,
                    adminKey == null ? "not set" : "set");
        });
    }

    static Map<String, Set<String>> parse(String keys) {
        Map<String, Set<String>> rights = new HashMap<>();
        for (String entry : keys.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("Setting hub.security.api-keys: each entry is key:right+right "
                        + "(rights: " + RIGHTS + "), not one without rights");
            }
            Set<String> granted = new HashSet<>(Set.of(e.substring(colon + 1).split("\\+")));
            if (!RIGHTS.containsAll(granted)) {
                throw new IllegalArgumentException("Setting hub.security.api-keys: unknown right in " + granted
                        + "; rights: " + RIGHTS);
            }
            rights.put(e.substring(0, colon), granted);
        }
        return rights;
    }
}
