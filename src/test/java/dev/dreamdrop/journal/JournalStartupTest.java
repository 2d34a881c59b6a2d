package dev.dreamdrop.journal;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalStartupTest {

    @Test
    void noRouteRunsBeforeTheJournalIsUp() throws Exception {
        CountDownLatch migrated = new CountDownLatch(1);
        AtomicInteger runsBeforeMigrated = new AtomicInteger();
        try (CamelContext camel = contextCountingRuns(() -> {
            try {
                migrated.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, () -> {
            if (migrated.getCount() > 0) {
                runsBeforeMigrated.incrementAndGet();
            }
        })) {
            CompletableFuture<Void> start = CompletableFuture.runAsync(camel::start);
            Thread.sleep(300);
            assertFalse(start.isDone(), "the context started before the journal was up");

            migrated.countDown();
            start.get(10, TimeUnit.SECONDS);
            assertTrue(camel.getRouteController().getRouteStatus("a-route-using-the-journal").isStarted());
            assertEquals(0, runsBeforeMigrated.get());
        }
    }

    @Test
    void aJournalThatCannotBeBroughtUpFailsTheStartWithItsError() throws Exception {
        JournalException cannotMigrate = new JournalException("cannot bring the journal's tables up to date",
                new IllegalStateException("checksum mismatch"));
        AtomicInteger runs = new AtomicInteger();
        try (CamelContext camel = contextCountingRuns(() -> {
            throw cannotMigrate;
        }, runs::incrementAndGet)) {
            Exception failed = assertThrows(Exception.class, camel::start);
            Throwable cause = failed;
            while (cause != null && cause != cannotMigrate) {
                cause = cause.getCause();
            }
            assertSame(cannotMigrate, cause, "the start failed with something else: " + failed);
            assertEquals(0, runs.get());
        }
    }

    private static CamelContext contextCountingRuns(Runnable bringUp, Runnable run) throws Exception {
        CamelContext camel = new DefaultCamelContext();
        camel.addStartupListener(JournalStartup.begin(bringUp));
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("timer:journal?delay=0&period=10").routeId("a-route-using-the-journal").process(exchange -> run.run());
            }
        });
        return camel;
    }
}
