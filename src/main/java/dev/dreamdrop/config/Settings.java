package dev.dreamdrop.config;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Typed access to DreamDrop's configuration keys (config/application.properties, each overridable by its
 * environment variable, e.g. DREAMDROP_API_KEY). A bad value stops start-up with the key and the value's
 * problem, rather than surfacing later as a strange failure.
 */
public final class Settings {

    private final PropertiesComponent properties;

    public Settings(PropertiesComponent properties) {
        this.properties = properties;
    }

    public String text(String key) {
        return properties.resolveProperty(key).map(String::trim).orElse("");
    }

    public int integer(String key) {
        return parsed(key, Integer::parseInt, "a whole number");
    }

    public long longValue(String key) {
        return parsed(key, Long::parseLong, "a whole number");
    }

    public float decimal(String key) {
        return parsed(key, Float::parseFloat, "a decimal number");
    }

    /** A duration written like {@code 30s}, {@code 500ms}, {@code 2m}, {@code 24h} or a number of milliseconds. */
    public Duration duration(String key) {
        return parsed(key, value -> Duration.ofMillis(TimeUtils.toMilliSeconds(value)),
                "a duration such as 30s, 500ms, 2m or 24h");
    }

    /** A duration as the configuration writes it, for log lines and messages: 30s, 10m, 720h, 0.2s. */
    public static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    public Path path(String key) {
        String value = text(key);
        if (value.isEmpty()) {
            throw invalid(key, value, "a folder path");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    /** A comma-separated list; empty when the value is. */
    public List<String> list(String key) {
        return Arrays.stream(text(key).split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
    }

    /** One of the allowed values; anything else stops start-up with the choices. */
    public String oneOf(String key, String... allowed) {
        String value = text(key);
        if (!Arrays.asList(allowed).contains(value)) {
            throw invalid(key, value, String.join(" or ", allowed));
        }
        return value;
    }

    /** The value, or null when it is empty. */
    public String optional(String key) {
        String value = text(key);
        return value.isEmpty() ? null : value;
    }

    private <T> T parsed(String key, Function<String, T> parser, String expected) {
        String value = text(key);
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw invalid(key, value, expected);
        }
    }

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("Configuration key " + key + " is '" + value + "'; expected "
                + expected + " (see config/application.properties)");
    }
}
