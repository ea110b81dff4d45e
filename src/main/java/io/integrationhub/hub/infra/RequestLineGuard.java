package io.integrationhub.hub.infra;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import io.integrationhub.hub.common.HttpErrorResponses;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Second handler of the HTTP router: a path or query that decodes to invalid UTF-8 or holds a
 * control character (NUL, CR, LF, ESC…) is answered 400 problem+json before any route sees it.
 * Path parameters reach SQL (PostgreSQL refuses NUL: a 500), Kafka keys, AMQP headers and logs;
 * no id, topic or SKU of the hub has a reason to hold one, so they are refused at the edge, once,
 * rather than in every route. Written by hand: Vert.x decodes parameters leniently (invalid bytes
 * become U+FFFD) and has no such check.
 */
public final class RequestLineGuard implements Handler<RoutingContext> {

    @Override
    public void handle(RoutingContext rc) {
        String problem = problem(rc.request().path(), "path");
        if (problem == null && rc.request().query() != null) {
            problem = problem(rc.request().query(), "query");
        }
        if (problem == null) {
            rc.next();
        } else {
            HttpErrorResponses.answer(rc, 400, "Bad Request", problem);
        }
    }

    /** The common case, checked without decoding: nothing escaped, no control character, nothing beyond ASCII. */
    private static boolean printableAsciiWithoutEscapes(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '%') {
                return false;
            }
        }
        return true;
    }

    /** Why {@code raw} (percent-encoded) is refused, or null when it is fine. */
    static String problem(String raw, String part) {
        if (raw == null || printableAsciiWithoutEscapes(raw)) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
                        || Character.digit(raw.charAt(i + 2), 16) < 0) {
                    return "the " + part + " has a malformed percent-escape";
                }
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return "the " + part + " is not valid UTF-8";
        }
        for (int i = 0; i < decoded.length(); i++) {
            if (Character.isISOControl(decoded.charAt(i))) {
                return "the " + part + " holds a control character (U+" + String.format("%04X", (int) decoded.charAt(i)) + ")";
            }
        }
        return null;
    }
}
