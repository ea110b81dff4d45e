package io.integrationhub.hub.common;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings as they may be logged: a URL without its password. Written by hand, because the hub logs
 * where its database and brokers are, and no library at hand masks every driver's URL form. It
 * covers the forms the hub's drivers take: {@code password=…} parameters (query or {@code ;}-separated,
 * as PostgreSQL, MariaDB and H2 take them) and {@code user:password@} in the authority.
 */
public final class Redact {

    private static final String MASK = "****";
    private static final Pattern PARAMETER = Pattern.compile("(?i)((?:password|passwd|pwd)\\s*=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/?#@:]*:)[^/?#@]*@");

    private Redact() {
    }

    /** {@code url} with every password in it replaced by {@value #MASK}; null stays null. */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String masked = PARAMETER.matcher(url).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        return USER_INFO.matcher(masked).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "@");
    }
}
