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
 * Turns {@link EdgeSecurity} on when {@code hub.security.api-keys} or {@code hub.security.admin-key} is set: keys as
 * {@code key:right+right,…} (rights {@code write}, {@code gateway}), the admin key in
 * {@code hub.security.admin-key}, {@code hub.security.rate-limit} requests per second per key.
 * Both keys come from the environment ({@code HUB_SECURITY_API_KEYS}, {@code HUB_SECURITY_ADMIN_KEY})
 * or a file given with {@code HUB_CONFIG}, never from the repository.
 */
public final class SecurityConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);
    private static final Set<String> RIGHTS = Set.of("write", "gateway");

    @Override
    public void configure(CamelContext context) throws Exception {
        String keys = HubSettings.optional(context, "hub.security.api-keys").orElse("").trim();
        String adminKey = HubSettings.optional(context, "hub.security.admin-key").map(String::trim).filter(k -> !k.isEmpty())
                .orElse(null);
        int rate = HubSettings.positiveInt(context, "hub.security.rate-limit");
        if (keys.isEmpty() && adminKey == null) {
            LOG.warn("Neither hub.security.api-keys nor hub.security.admin-key is set: writes, /api/gateway/** and "
                    + "/admin/** are open to anyone");
            return;
        }
        EdgeSecurity security = new EdgeSecurity(parse(keys), adminKey, rate);
        int port = HubSettings.port(context, "camel.server.port");
        OnStarted.once(context, ctx -> {
            VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(ctx, VertxPlatformHttpRouter.getRouterNameFromPort(port));
            if (router == null) {
                router = VertxPlatformHttpRouter.lookup(ctx);
            }
            // before every route of the port, whatever order they were added in
            router.route().order(-1000).handler(security::handle);
            LOG.info("API keys required for writes, /api/gateway/** and /admin/** ({} keys, {} requests/s each)",
                    parse(keys).size(), rate);
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
