package dev.dreamdrop.config;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

import java.nio.file.Path;
import java.time.Duration;

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
        String value = text(key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a whole number");
        }
    }

    public long longValue(String key) {
        String value = text(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a whole number");
        }
    }

    public float decimal(String key) {
        String value = text(key);
        try {
            return Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a decimal number");
        }
    }

    /** A duration written like {@code 30s}, {@code 500ms}, {@code 2m}, {@code 24h} or a number of milliseconds. */
    public Duration duration(String key) {
        String value = text(key);
        try {
            return Duration.ofMillis(TimeUtils.toMilliSeconds(value));
        } catch (RuntimeException e) {
            throw invalid(key, value, "a duration such as 30s, 500ms, 2m or 24h");
        }
    }

    public Path path(String key) {
        String value = text(key);
        if (value.isEmpty()) {
            throw invalid(key, value, "a folder path");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    /** The value, or null when it is empty. */
    public String optional(String key) {
        String value = text(key);
        return value.isEmpty() ? null : value;
    }

    private static IllegalArgumentException invalid(String key, String value, String expected) {
        return new IllegalArgumentException("Configuration key " + key + " is '" + value + "'; expected "
                + expected + " (see config/application.properties)");
    }
}
