package dev.dreamdrop.routes;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.testing.DreamDropRouteTest;
import dev.dreamdrop.testing.RunningDreamDrop;
import jakarta.mail.internet.MimeMessage;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The email sink's routes (sink-email) against a real SMTP server (GreenMail). */
class EmailRoutesTest extends DreamDropRouteTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\n";
    private final int smtpPort = RunningDreamDrop.freePort();
    private GreenMail smtp;

    @Override
    protected Map<String, String> settings() {
        return Map.of("dreamdrop.mail.host", "127.0.0.1",
                "dreamdrop.mail.port", String.valueOf(smtpPort),
                "dreamdrop.mail.to", "ops@example.com",
                "dreamdrop.mail.max-attempts", "3",
                "dreamdrop.mail.retry-initial-delay", "100ms",
                "dreamdrop.mail.retry-max-delay", "200ms",
                "dreamdrop.mail.timeout", "2s");
    }

    @AfterEach
    void stopSmtp() {
        if (smtp != null) {
            smtp.stop();
        }
    }

    private void startSmtp() {
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
    }

    @Test
    void anEmailWhoseSendingFailsOnceIsSentOnceOnTheNextAttempt() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AdviceWith.adviceWith(context, "render-and-send-one-status-email", route -> {
            route.weaveByToUri("smtp:*").before().process(exchange -> {
                if (attempts.incrementAndGet() == 1) {
                    throw new IllegalStateException("the SMTP server hung up");
                }
            });
            route.mockEndpoints("smtp:*");
        });
        startSmtp();
        startDreamDrop();
        MockEndpoint sent = getMockEndpoint("mock:smtp:127.0.0.1:" + smtpPort);

        RunningDreamDrop.dropSet(data.resolve("inbox"), "mailed", 2, MANIFEST);
        RunningDreamDrop.awaitStatus(data, "mailed", "model_ready");

        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        assertEquals(2, attempts.get(), "failed once, sent the second time");
        assertEquals(1, sent.getReceivedCounter());
        MimeMessage[] received = smtp.getReceivedMessages();
        assertEquals(1, received.length);
        assertEquals("[DreamDrop] mailed: your model is ready", received[0].getSubject());
    }

    @Test
    void anEmailSmtpKeepsRefusingIsParkedAndTheReplayRouteSendsItOnceSmtpIsBack() throws Exception {
        startDreamDrop();
        NotifyBuilder replayed = new NotifyBuilder(context).fromRoute("replay-parked-emails-from-the-replay-folder")
                .whenCompleted(1).create();

        RunningDreamDrop.dropSet(data.resolve("inbox"), "parked", 2, MANIFEST);
        RunningDreamDrop.awaitStatus(data, "parked", "model_ready");
        Path parkedDir = data.resolve("mail/parked");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(parkedDir)
                && Files.list(parkedDir).anyMatch(file -> file.toString().endsWith("-model_ready.eml")));
        Path parked;
        try (Stream<Path> files = Files.list(parkedDir)) {
            parked = files.findFirst().orElseThrow();
        }

        startSmtp();
        Files.move(parked, data.resolve("mail/replay").resolve(parked.getFileName()));

        assertTrue(replayed.matches(10, TimeUnit.SECONDS));
        assertEquals(1, smtp.getReceivedMessages().length);
        assertEquals("[DreamDrop] parked: your model is ready", smtp.getReceivedMessages()[0].getSubject());
        assertTrue(Files.exists(data.resolve("mail/sent").resolve(parked.getFileName())));
    }
}
