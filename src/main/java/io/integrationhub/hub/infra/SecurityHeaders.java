package io.integrationhub.hub.infra;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.CSPHandler;
import io.vertx.ext.web.handler.HSTSHandler;
import io.vertx.ext.web.handler.XFrameHandler;

/**
 * Headers on every answer of the HTTP port, mounted first so that refusals (503 while starting, 400,
 * 401/403, 404) carry them too (Vert.x-web's own handlers):
 * <ul>
 *   <li>{@code Content-Security-Policy: default-src 'self'; font-src 'self' data:; img-src 'self' data:;
 *   frame-ancestors 'none'; base-uri 'none'; form-action 'self'}: a page the hub serves runs only scripts
 *   and styles from the hub itself, none inline, none from a CDN;</li>
 *   <li>{@code X-Frame-Options: DENY} for browsers without {@code frame-ancestors};</li>
 *   <li>{@code X-Content-Type-Options: nosniff}: a JSON answer is never guessed to be HTML or script;</li>
 *   <li>{@code Referrer-Policy: no-referrer};</li>
 *   <li>with TLS, {@code Strict-Transport-Security} (one year): a browser that once reached the hub over
 *   HTTPS does not try plain HTTP again.</li>
 * </ul>
 */
final class SecurityHeaders {

    private SecurityHeaders() {
    }

    static void mount(Router router, int order, boolean tls) {
        router.route().order(order).handler(CSPHandler.create()
                // setDirective: the handler starts with default-src 'self', which addDirective would repeat
                .setDirective("default-src", "'self'")
                // the GraphiQL page's stylesheet carries its fonts and icons inline, as data: URLs
                .addDirective("font-src", "'self' data:")
                .addDirective("img-src", "'self' data:")
                .addDirective("frame-ancestors", "'none'")
                .addDirective("base-uri", "'none'")
                .addDirective("form-action", "'self'"));
        router.route().order(order).handler(XFrameHandler.create(XFrameHandler.DENY));
        router.route().order(order).handler(rc -> {
            rc.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
            rc.next();
        });
        if (tls) {
            router.route().order(order).handler(HSTSHandler.create(365L * 24 * 3600, false));
        }
    }
}
