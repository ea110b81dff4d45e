package io.integrationhub.hub.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * Typed, validated access to the hub's own {@code hub.*} settings. Camel substitutes placeholders as
 * text, so a typo such as {@code hub.http.read-timeout-ms=5s} would only fail at the first request;
 * checking here makes the hub refuse to start with a message that names the key instead.
 */
public final class HubSettings implements CamelConfiguration {

    /** The shipped {@code config/application.properties}, copied into the jar by the build. */
    static final String SHIPPED_DEFAULTS = "/hub-defaults/application.properties";

    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d+");

    @Override
    public void configure(CamelContext context) throws IOException {
        checkAgainstShippedDefaults(context, shippedDefaults());
        String url = required(context, "hub.datasource.url");
        if (!url.startsWith("jdbc:")) {
            throw invalid("hub.datasource.url", url, "a JDBC URL such as jdbc:postgresql://localhost:5432/test");
        }
    }

    /**
     * Checks every {@code hub.*} setting the hub ships a default for against the kind of that default, so
     * that a setting is named once, where it is used ({@code {{key}}} in a route, or read here in Java),
     * instead of once more in a list of checks: a whole number stays a whole number (positive when its
     * default is; a {@code *port} a TCP port), {@code true}/{@code false} stays a boolean, a decimal a
     * decimal, a {@code *.url} an http(s) URL (the JDBC URL is checked on its own), and a setting with a
     * non-empty default may not be blanked. The check is ours because Camel substitutes placeholders as
     * text: {@code hub.tasks.prefetch=ten} would only fail when the route starts, with a message about
     * the endpoint rather than the setting.
     */
    static void checkAgainstShippedDefaults(CamelContext context, Properties shipped) {
        for (String key : new TreeSet<>(shipped.stringPropertyNames())) {
            if (!key.startsWith("hub.")) {
                continue;
            }
            String kind = shipped.getProperty(key).trim();
            if (WHOLE_NUMBER.matcher(kind).matches() && (key.endsWith(".port") || key.endsWith("-port"))) {
                port(context, key);
            } else if (WHOLE_NUMBER.matcher(kind).matches()) {
                if (Long.parseLong(kind) > 0) {
                    positiveInt(context, key);
                } else {
                    nonNegativeInt(context, key);
                }
            } else if ("true".equals(kind) || "false".equals(kind)) {
                bool(context, key);
            } else if (DECIMAL.matcher(kind).matches()) {
                decimal(context, key);
            } else if ((key.endsWith(".url") || key.endsWith("-url")) && !kind.startsWith("jdbc:")) {
                httpUrl(context, key);
            } else if (!kind.isEmpty()) {
                required(context, key);
            }
        }
    }

    /** The {@code hub.*} settings of the shipped defaults, with their default values. */
    public static Map<String, String> shippedHubDefaults() {
        try {
            Properties shipped = shippedDefaults();
            Map<String, String> hub = new TreeMap<>();
            shipped.stringPropertyNames().stream().filter(k -> k.startsWith("hub."))
                    .forEach(k -> hub.put(k, shipped.getProperty(k).trim()));
            return hub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Properties shippedDefaults() throws IOException {
        Properties shipped = new Properties();
        try (InputStream in = HubSettings.class.getResourceAsStream(SHIPPED_DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException(SHIPPED_DEFAULTS + " is not on the classpath: the build copies "
                        + "config/application.properties there (pom.xml, resources)");
            }
            shipped.load(in);
        }
        return shipped;
    }

    /** The value of {@code key}; fails naming the key when it is missing or blank. */
    public static String required(CamelContext context, String key) {
        return optional(context, key)
                .filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException("Missing setting " + key
                        + ": set it in config/application.properties, as environment variable "
                        + envName(key) + " or on the command line as --" + key + "=..."));
    }

    /** The value of {@code key}, or empty when it is not set. */
    public static Optional<String> optional(CamelContext context, String key) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim);
    }

    /** A comma-separated setting as its trimmed, non-empty entries (an empty list when it has none). */
    public static java.util.List<String> list(CamelContext context, String key) {
        return java.util.Arrays.stream(required(context, key).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public static int positiveInt(CamelContext context, String key) {
        return wholeNumber(context, key, 1, "a positive whole number");
    }

    public static int nonNegativeInt(CamelContext context, String key) {
        return wholeNumber(context, key, 0, "a whole number, 0 or more");
    }

    private static int wholeNumber(CamelContext context, String key, int least, String expected) {
        String value = required(context, key);
        try {
            int n = Integer.parseInt(value);
            if (n >= least) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the key's name
        }
        throw invalid(key, value, expected);
    }

    public static double decimal(CamelContext context, String key) {
        String value = required(context, key);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a number such as 0.5");
        }
    }

    public static int port(CamelContext context, String key) {
        int port = positiveInt(context, key);
        if (port > 65535) {
            throw invalid(key, String.valueOf(port), "a TCP port between 1 and 65535");
        }
        return port;
    }

    public static boolean bool(CamelContext context, String key) {
        String value = required(context, key).toLowerCase(Locale.ROOT);
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key, value, "true or false");
        };
    }

    public static URI httpUrl(CamelContext context, String key) {
        String value = required(context, key);
        try {
            URI uri = URI.create(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below with the key's name
        }
        throw invalid(key, value, "an http:// or https:// URL with a host");
    }

    /**
     * A secret given as {@code key} or as a file named by {@code key-file} (trimmed; its lines joined
     * by commas, {@code #} comments left out), not both; null when neither is set.
     */
    public static String secret(CamelContext context, String key) throws IOException {
        String inline = HubSettings.optional(context, key).filter(v -> !v.isEmpty()).orElse(null);
        String file = HubSettings.optional(context, key + "-file").filter(v -> !v.isEmpty()).orElse(null);
        if (inline != null && file != null) {
            throw new IllegalArgumentException("Settings " + key + " and " + key + "-file are both set: set one");
        }
        if (file == null) {
            return inline;
        }
        Path path = Path.of(file);
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("Setting " + key + "-file: cannot read " + path.toAbsolutePath());
        }
        String joined = Files.readAllLines(path).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.joining(","));
        if (joined.isEmpty()) {
            throw new IllegalArgumentException("Setting " + key + "-file: " + path.toAbsolutePath() + " holds no key");
        }
        return joined;
    }

    static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException(
                "Invalid setting " + key + "='" + value + "': expected " + expected);
    }

    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
