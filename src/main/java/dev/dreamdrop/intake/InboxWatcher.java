package dev.dreamdrop.intake;

import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Tells the folder intake at once when the inbox changes, from the file system's own events (the JDK's
 * WatchService: inotify on Linux), so that a set is taken the moment its READY file appears, and the moment it has
 * been quiet for the quiet period. Each event only asks for a scan of the inbox ({@code endpoint}); the scan decides,
 * and the periodic scan stays the backstop for file systems that give no events (NFS, some container volumes) and
 * for events lost on an overflow.
 */
public class InboxWatcher extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(InboxWatcher.class);

    private final Path inbox;
    private final Duration quietPeriod;
    private final ProducerTemplate producer;
    private final String endpoint;
    private final Map<Path, ScheduledFuture<?>> quietChecks = new ConcurrentHashMap<>();
    private WatchService watcher;
    private ScheduledExecutorService clock;

    public InboxWatcher(Path inbox, Duration quietPeriod, ProducerTemplate producer, String endpoint) {
        this.inbox = inbox.toAbsolutePath();
        this.quietPeriod = quietPeriod;
        this.producer = producer;
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws IOException {
        Files.createDirectories(inbox);
        watcher = FileSystems.getDefault().newWatchService();
        register(inbox);
        try (Stream<Path> sets = Files.list(inbox)) {
            for (Path set : sets.filter(dir -> Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)).toList()) {
                register(set);
            }
        }
        clock = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, "inbox-quiet-checks"));
        daemon(this::watch, "inbox-watcher").start();
        LOG.info("Watching {} for sets (file system events; the periodic scan stays as the backstop)", inbox);
    }

    @Override
    protected void doStop() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
        if (clock != null) {
            clock.shutdownNow();
        }
    }

    private static Thread daemon(Runnable work, String name) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        return thread;
    }

    private void register(Path dir) throws IOException {
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        continue;
                    }
                    Path changed = dir.resolve((Path) event.context());
                    if (dir.equals(inbox) && event.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && Files.isDirectory(changed, LinkOption.NOFOLLOW_LINKS)) {
                        // its files may have come before this registration: the scan asked for below sees them
                        register(changed);
                    }
                    Path set = dir.equals(inbox) ? changed : dir;
                    scheduleQuietCheck(set);
                }
                key.reset();
                scan();
            }
        } catch (ClosedWatchServiceException | InterruptedException stopped) {
            // DreamDrop stops
        } catch (IOException | RuntimeException e) {
            LOG.warn("Watching {} stopped ({}); sets are still taken by the periodic scan", inbox, e.toString());
        }
    }

    /** A set without READY is taken once nothing in it changed for the quiet period: look again then. */
    private void scheduleQuietCheck(Path set) {
        ScheduledFuture<?> next = clock.schedule(() -> {
            quietChecks.remove(set);
            scan();
        }, quietPeriod.toMillis() + 100, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> earlier = quietChecks.put(set, next);
        if (earlier != null) {
            earlier.cancel(false);
        }
    }

    private void scan() {
        try {
            producer.sendBody(endpoint, null);
        } catch (RuntimeException e) {
            LOG.warn("Scan of {} after a file system event failed: {}", inbox, e.getMessage());
        }
    }
}
