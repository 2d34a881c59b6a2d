package dev.dreamdrop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command under GNU time, for the same wall, CPU and peak-memory figures whatever the program: the peak
 * resident set is the largest of the command and all its children.
 */
record Timed(double wallSeconds, double cpuSeconds, long maxRssKb, String output) {

    static Timed run(List<String> command, Path workDir) throws IOException, InterruptedException {
        Path report = Files.createTempFile(workDir, "time", ".txt");
        List<String> timed = new ArrayList<>(List.of("/usr/bin/time", "-o", report.toString(), "-f", "%e %U %S %M"));
        timed.addAll(command);
        // from the project root, where the class path's relative entries point
        Process process = new ProcessBuilder(timed).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        int exit = process.waitFor();
        if (exit != 0) {
            String shown = String.join(" ", command);
            throw new IllegalStateException("command failed (exit " + exit + "): "
                    + (shown.length() > 300 ? shown.substring(0, 300) + "..." : shown) + "\n" + output);
        }
        List<String> lines = Files.readAllLines(report);
        String[] fields = lines.get(lines.size() - 1).trim().split(" ");
        Files.delete(report);
        return new Timed(Double.parseDouble(fields[0]), Double.parseDouble(fields[1]) + Double.parseDouble(fields[2]),
                Long.parseLong(fields[3]), output);
    }
}
