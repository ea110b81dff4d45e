package io.integrationhub.hub.common;

import java.util.List;
import java.util.Map;

import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Header removal without regular expressions, for the hot paths. Camel 4.17's
 * {@code removeHeaders(pattern, excludePatterns...)} tests each header against each exclude pattern
 * (and against a pattern that is neither {@code *} nor its name) with {@code PatternHelper.matchPattern},
 * which, when the name is not equal to the pattern and the pattern is not a {@code prefix*} wildcard
 * match, compiles the pattern as a regular expression, uncached: one {@code Pattern.compile} per header
 * per message (2–4 % of the CPU samples of point-to-point, docs/benchmarks-tuning.md). Written by hand
 * because Camel has no allow-list variant; {@code removeHeaders("*")} alone does not compile anything
 * and stays as it is.
 */
public final class Headers {

    private Headers() {
    }

    /** Removes every header of {@code message} but {@code names} (compared ignoring case, as Camel's headers are). */
    public static void keepOnly(Message message, List<String> names) {
        Map<String, Object> headers = message.getHeaders();
        if (!headers.isEmpty()) {
            headers.keySet().removeIf(name -> !contains(names, name));
        }
    }

    /** A step that keeps only {@code names} of the message's headers (YAML: {@code process: ref: <bean>}). */
    public static Processor keepOnly(String... names) {
        List<String> kept = List.of(names);
        return exchange -> keepOnly(exchange.getMessage(), kept);
    }

    /** A step that removes the headers whose name starts with {@code prefix} (ignoring case). */
    public static Processor removeStartingWith(String prefix) {
        return exchange -> {
            Map<String, Object> headers = exchange.getMessage().getHeaders();
            if (!headers.isEmpty()) {
                headers.keySet().removeIf(name -> name.regionMatches(true, 0, prefix, 0, prefix.length()));
            }
        };
    }

    private static boolean contains(List<String> names, String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
