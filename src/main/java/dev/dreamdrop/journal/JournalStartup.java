package dev.dreamdrop.journal;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Brings the journal up on a thread of its own (opening it, its migrations, what this replica held before a
 * restart) while Camel loads and builds the routes, and holds the context's start until that is done: no route
 * runs before the journal's tables are current, and a journal that cannot be brought up fails the start. On the
 * main thread the journal was about half a second of every start; beside Camel's own work it overlaps wherever a
 * core is free.
 */
public final class JournalStartup implements StartupListener {

    private final FutureTask<Void> work;

    private JournalStartup(Runnable steps) {
        this.work = new FutureTask<>(steps, null);
    }

    /** Starts {@code steps} now; the returned listener, added to the context, waits for them before the routes. */
    public static JournalStartup begin(Runnable steps) {
        JournalStartup startup = new JournalStartup(steps);
        Thread thread = new Thread(startup.work, "journal-startup");
        thread.setDaemon(true);
        thread.start();
        return startup;
    }

    /** Called before any route starts. */
    @Override
    public void onCamelContextStarting(CamelContext context, boolean alreadyStarted) throws Exception {
        awaitUp();
    }

    /** Returns once the journal is up; throws what kept it from coming up. */
    public void awaitUp() throws Exception {
        try {
            work.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // done by then: onCamelContextStarting waited for it
    }
}
