package dev.dreamdrop.sandbox;

import java.time.Duration;
import java.util.Set;

/**
 * Runs the training API sandbox alone, for manual play and benchmarks:
 * {@code java -cp target/dreamdrop.jar dev.dreamdrop.sandbox.SandboxMain --port 9090 --key my-key --step-seconds 3}.
 * Faults are set while it runs by POSTing JSON to {@code /_sandbox/faults} (see the README).
 */
public final class SandboxMain {

    private SandboxMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = 9090;
        String key = "sandbox-key";
        double stepSeconds = 3;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value);
                case "--key" -> key = value;
                case "--step-seconds" -> stepSeconds = Double.parseDouble(value);
                default -> {
                    System.err.println("usage: SandboxMain [--port 9090] [--key sandbox-key] [--step-seconds 3]");
                    System.exit(2);
                }
            }
            i++;
        }
        TrainingApiSandbox sandbox = TrainingApiSandbox.start(port, Set.of(key),
                Duration.ofMillis((long) (stepSeconds * 1000)));
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close));
        System.out.println("Training API sandbox listening on " + sandbox.baseUrl()
                + " (API key: the one given with --key; one status every " + stepSeconds + " s)");
        Thread.currentThread().join();
    }
}
