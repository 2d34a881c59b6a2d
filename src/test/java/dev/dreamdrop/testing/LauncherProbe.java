package dev.dreamdrop.testing;

import java.lang.management.ManagementFactory;

/** Stands in for DreamDrop in the launcher's test: tells the JVM options it was given, then waits to be stopped. */
public final class LauncherProbe {

    private LauncherProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("options: " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        System.out.flush();
        Thread.currentThread().join();
    }
}
