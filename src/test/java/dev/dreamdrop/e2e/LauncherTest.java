package dev.dreamdrop.e2e;

import dev.dreamdrop.testing.LauncherProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/dreamdrop, the README's run command, on a stand-in jar: the first run after a build writes the AppCDS archive
 * when it stops, the next run starts from it, and a jar rebuilt since replaces it instead of failing the start.
 */
class LauncherTest {

    @TempDir
    Path project;

    @Test
    void theArchiveIsMadeByTheFirstRunUsedByTheNextAndReplacedAfterARebuild() throws Exception {
        Files.createDirectories(project.resolve("bin"));
        Files.copy(Path.of("bin", "dreamdrop"), project.resolve("bin/dreamdrop"));
        project.resolve("bin/dreamdrop").toFile().setExecutable(true);
        Path jar = buildStandInJar();
        Path archive = project.resolve("target/dreamdrop.jsa");

        String first = runAndStop();
        assertTrue(first.contains("-XX:ArchiveClassesAtExit="), first);
        assertTrue(Files.exists(archive), "the first run after the build wrote no archive");

        String second = runAndStop();
        assertTrue(second.contains("-XX:SharedArchiveFile="), second);
        assertFalse(second.contains("ArchiveClassesAtExit"), second);

        // a rebuild: the jar is newer than the archive
        Files.setLastModifiedTime(archive, FileTime.from(Files.getLastModifiedTime(jar).toInstant().minusSeconds(60)));
        String afterRebuild = runAndStop();
        assertTrue(afterRebuild.contains("-XX:ArchiveClassesAtExit="), "the stale archive was used: " + afterRebuild);
        assertTrue(Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0,
                "the stale archive was not replaced");
    }

    /** target/dreamdrop.jar with LauncherProbe as its main class. */
    private Path buildStandInJar() throws Exception {
        Path jar = Files.createDirectories(project.resolve("target")).resolve("dreamdrop.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
            jarOut.putNextEntry(new JarEntry(entry));
            try (var in = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
                assertNotNull(in, entry);
                in.transferTo(jarOut);
            }
            jarOut.closeEntry();
        }
        return jar;
    }

    /** Runs the launcher until the stand-in is up, stops it with SIGTERM, and returns the JVM options it was given. */
    private String runAndStop() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(project.resolve("bin/dreamdrop").toString()).redirectErrorStream(true);
        builder.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        Process launcher = builder.start();
        String options;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
                assertNotNull(line, "the launcher ended before the stand-in was up");
            } while (!line.startsWith("options: "));
            options = line;
            launcher.destroy();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not stop on SIGTERM");
        } finally {
            launcher.destroyForcibly();
        }
        return options;
    }
}
