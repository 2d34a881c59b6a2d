package dev.dreamdrop.config;

import org.apache.camel.main.Main;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * Camel Main configures its own {@code camel.*} options (the HTTP servers' hosts and ports, shutdown...) from the
 * properties file and {@code -D} only, while DreamDrop's keys also come from the environment. This applies the
 * environment to every {@code camel.*} key of the configuration file, as the file promises (the key upper-cased,
 * {@code .} and {@code -} turned into {@code _}: {@code CAMEL_MANAGEMENT_PORT}); a {@code -D} still wins.
 */
public final class CamelKeysFromEnvironment {

    private CamelKeysFromEnvironment() {
    }

    public static void apply(Main main, Path configuration) {
        Properties keys = new Properties();
        try (Reader reader = Files.newBufferedReader(configuration, StandardCharsets.UTF_8)) {
            keys.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configuration + " (run DreamDrop from the project root)", e);
        }
        for (String key : keys.stringPropertyNames()) {
            String value = System.getenv(environmentName(key));
            if (key.startsWith("camel.") && value != null && System.getProperty(key) == null) {
                main.addOverrideProperty(key, value);
            }
        }
    }

    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
