package dev.dreamdrop.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tests that drive a Debian tool (a browser, the benchmark's reference tools) run where it is installed. Elsewhere
 * they are skipped with one loud line naming the tool and the package that brings it, so that {@code mvn test}
 * passes on a machine with only Java and Maven. In CI ({@code CI=true}, where .ci/run installs every tool) a
 * missing tool fails the test instead: nothing goes untested there.
 */
public final class RequiredTools {

    private RequiredTools() {
    }

    /** @param toolsToPackages each executable (a name on the PATH, or an absolute path) and its Debian package */
    public static void assumeInstalled(String test, Map<String, String> toolsToPackages) {
        List<String> missing = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        toolsToPackages.forEach((tool, debianPackage) -> {
            if (!installed(tool)) {
                missing.add(tool);
                packages.add(debianPackage);
            }
        });
        if (missing.isEmpty()) {
            return;
        }
        String why = test + " needs " + String.join(", ", missing) + ": apt-get install " + String.join(" ", packages);
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail("In CI every tool must be there (.ci/run installs them). " + why);
        }
        System.err.println("*** SKIPPED: " + why);
        Assumptions.abort(why);
    }

    public static Map<String, String> of(String... toolAndPackage) {
        Map<String, String> tools = new LinkedHashMap<>();
        for (int i = 0; i + 1 < toolAndPackage.length; i += 2) {
            tools.put(toolAndPackage[i], toolAndPackage[i + 1]);
        }
        return tools;
    }

    public static boolean installed(String tool) {
        if (tool.startsWith("/")) {
            return Files.isExecutable(Path.of(tool));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
