package dev.dreamdrop.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretsFromFilesTest {

    @TempDir
    Path dir;

    @Test
    void everySecretMayComeFromAFileWithoutItsTrailingNewline() throws Exception {
        Path key = Files.writeString(dir.resolve("api-key"), "sk-from-a-file\n");
        Path password = Files.writeString(dir.resolve("db-password"), "p@ss word\r\n");
        Map<String, String> secrets = SecretsFromFiles.read(Map.of("DREAMDROP_API_KEY_FILE", key.toString(),
                "DREAMDROP_DB_PASSWORD_FILE", password.toString(), "DREAMDROP_MAIL_HOST_FILE", key.toString()));
        assertEquals(Map.of("dreamdrop.api.key", "sk-from-a-file", "dreamdrop.db.password", "p@ss word"), secrets,
                "secrets only: the mail host is not one");
    }

    @Test
    void bothTheVariableAndItsFileStopTheStartNamingBoth() throws Exception {
        Path key = Files.writeString(dir.resolve("api-key"), "sk-from-a-file\n");
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> SecretsFromFiles.read(
                Map.of("DREAMDROP_API_KEY_FILE", key.toString(), "DREAMDROP_API_KEY", "sk-inline")));
        assertTrue(both.getMessage().contains("DREAMDROP_API_KEY and DREAMDROP_API_KEY_FILE are both set"));
        assertFalse(both.getMessage().contains("sk-"), "no secret in the message");

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> SecretsFromFiles.read(
                Map.of("DREAMDROP_EVENTS_SECRET_FILE", dir.resolve("absent").toString())));
        assertTrue(missing.getMessage().contains("DREAMDROP_EVENTS_SECRET_FILE names"), missing.getMessage());
    }
}
