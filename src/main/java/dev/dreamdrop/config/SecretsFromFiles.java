package dev.dreamdrop.config;

import org.apache.camel.main.Main;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Secrets as Docker and Kubernetes mount them: every secret setting may be given as {@code <ENV_NAME>_FILE} naming a
 * file that holds it (e.g. {@code DREAMDROP_API_KEY_FILE=/run/secrets/dreamdrop-api-key}), its trailing newline
 * trimmed. Giving both the variable and its {@code _FILE} stops the start with both named. The value is never
 * logged: it becomes an override of its key, which Camel Main does not print.
 */
public final class SecretsFromFiles {

    /** Every key that holds a secret. */
    public static final List<String> SECRET_KEYS = List.of("dreamdrop.api.key", "dreamdrop.db.password",
            "dreamdrop.s3.access-key", "dreamdrop.s3.secret-key", "dreamdrop.mail.password", "dreamdrop.events.secret",
            "dreamdrop.api.webhook-secret", "dreamdrop.operator.token");

    private SecretsFromFiles() {
    }

    public static void apply(Main main) {
        read(System.getenv()).forEach(main::addOverrideProperty);
    }

    /** The secrets the environment gives as files, by key. */
    static Map<String, String> read(Map<String, String> environment) {
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String key : SECRET_KEYS) {
            String name = CamelKeysFromEnvironment.environmentName(key);
            String file = environment.get(name + "_FILE");
            if (file == null || file.isBlank()) {
                continue;
            }
            if (environment.get(name) != null && !environment.get(name).isBlank()) {
                throw new IllegalArgumentException(name + " and " + name + "_FILE are both set; give the secret one"
                        + " way only");
            }
            try {
                secrets.put(key, Files.readString(Path.of(file), StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", ""));
            } catch (IOException e) {
                throw new IllegalArgumentException(name + "_FILE names " + file + ", which cannot be read ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        return secrets;
    }
}
