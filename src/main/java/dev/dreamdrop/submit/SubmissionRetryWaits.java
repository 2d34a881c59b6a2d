package dev.dreamdrop.submit;

import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where submissions wait to be retried: the scheduler of the error handler in the routeConfiguration
 * retry-submissions-while-the-training-api-is-busy ({@code executorServiceRef}). With Camel's shared one, an
 * exchange waiting for its redelivery stays in flight until its delay is over, so a stop during a rate limit's
 * retry_after waited for it, up to {@code camel.main.shutdown-timeout}. When DreamDrop stops, this one ends every
 * wait at once (and any wait begun after): the redelivered attempt finds DreamDrop stopping and leaves the
 * submission, journalled as not sent, to the restart ({@link TrainingSubmitter#startCalling}).
 */
public final class SubmissionRetryWaits extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(SubmissionRetryWaits.class);

    private final Waits scheduler;
    private boolean stopping;

    public SubmissionRetryWaits(int threads) {
        AtomicInteger count = new AtomicInteger();
        this.scheduler = new Waits(threads, task -> {
            Thread thread = new Thread(task, "submission-retry-waits-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // only the context's stop is of interest: no notifier work on the exchanges' path
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelContextStoppingEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        List<Runnable> waiting = new ArrayList<>();
        synchronized (scheduler) {
            stopping = true;
            // not drainTo: a delay queue gives only the tasks that are due
            for (Runnable task : scheduler.getQueue().toArray(Runnable[]::new)) {
                if (scheduler.remove(task)) {
                    waiting.add(task);
                }
            }
        }
        if (!waiting.isEmpty()) {
            LOG.info("Stopping: {} submission(s) waiting to retry are left to the restart", waiting.size());
        }
        waiting.forEach(Runnable::run);
    }

    @Override
    protected void doStop() {
        scheduler.shutdownNow();
    }

    private final class Waits extends ScheduledThreadPoolExecutor {

        Waits(int threads, ThreadFactory factory) {
            super(threads, factory);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            // with the stop's drain: a wait is either drained by it, or begun after it and so not a wait at all
            synchronized (this) {
                return super.schedule(command, stopping ? 0 : delay, unit);
            }
        }
    }
}
