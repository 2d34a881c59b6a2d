package dev.dreamdrop.e2e;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.sandbox.WebhookFault;
import dev.dreamdrop.testing.RunningDreamDrop;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status changes reach people by email, once each, through a real SMTP server (GreenMail). */
class EmailTest {

    private static final String OPS = "ops@example.com";

    @TempDir
    Path data;

    private final int smtpPort = RunningDreamDrop.freePort();
    private GreenMail smtp;
    private TrainingApiSandbox sandbox;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void startSandbox() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ZERO);
    }

    @AfterEach
    void stop() {
        if (dreamDrop != null) {
            dreamDrop.close();
        }
        sandbox.close();
        if (smtp != null) {
            smtp.stop();
        }
    }

    private void startSmtp() {
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
    }

    private void startDreamDrop(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "dreamdrop.mail.host", "127.0.0.1",
                "dreamdrop.mail.port", String.valueOf(smtpPort),
                "dreamdrop.mail.to", OPS,
                "dreamdrop.mail.from", "DreamDrop <dreamdrop@example.com>",
                "dreamdrop.mail.retry-initial-delay", "200ms",
                "dreamdrop.mail.retry-max-delay", "400ms",
                "dreamdrop.mail.timeout", "2s"));
        settings.putAll(extra);
        dreamDrop = RunningDreamDrop.start(data, sandbox, settings);
    }

    /** The distinct emails received (GreenMail keeps one copy per recipient). */
    private List<MimeMessage> distinctEmails() throws Exception {
        Map<String, MimeMessage> byId = new HashMap<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            byId.putIfAbsent(message.getMessageID(), message);
        }
        return List.copyOf(byId.values());
    }

    private static Set<String> recipients(MimeMessage message) throws Exception {
        return Arrays.stream(message.getAllRecipients()).map(Object::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void modelReadySendsOneEmailWithTextHtmlAndInlinePhotos() throws Exception {
        startSmtp();
        startDreamDrop(Map.of());
        dreamDrop.dropSet("alex", 3, "instance_prompt: photo of sks person\nnotify_email: alex@example.com\n");
        String trainingId = dreamDrop.awaitStatus("alex", "model_ready").get("training_id").asText();

        await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 2);
        Thread.sleep(500);
        List<MimeMessage> emails = distinctEmails();
        assertEquals(1, emails.size(), "one email: only model_ready is in the default statuses");
        MimeMessage email = emails.get(0);
        assertEquals(Set.of("alex@example.com", OPS), recipients(email));
        assertEquals("[DreamDrop] alex: your model is ready", email.getSubject());
        assertEquals("dreamdrop@example.com", ((jakarta.mail.internet.InternetAddress) email.getFrom()[0]).getAddress());

        Multipart alternative = (Multipart) email.getContent();
        assertTrue(email.getContentType().startsWith("multipart/alternative"), email.getContentType());
        String text = (String) alternative.getBodyPart(0).getContent();
        assertTrue(text.contains("Progress: step 8 of 8"), text);
        assertTrue(text.contains("Training id: " + trainingId), text);
        assertTrue(text.contains("What now:"), text);

        Multipart related = (Multipart) alternative.getBodyPart(1).getContent();
        String html = (String) related.getBodyPart(0).getContent();
        assertTrue(html.contains("Step 8 of 8"), html);
        assertEquals(2, related.getCount(), "the HTML and, in the set's first email, the contact sheet");
        BodyPart sheet = related.getBodyPart(1);
        assertTrue(sheet.getContentType().startsWith("image/jpeg"));
        String cid = sheet.getHeader("Content-ID")[0].replaceAll("[<>]", "");
        assertEquals("contact-sheet@dreamdrop", cid);
        assertTrue(html.contains("cid:" + cid), "the HTML shows " + cid);
        BufferedImage shown = ImageIO.read(sheet.getInputStream());
        assertEquals(3 * 200 + 8, shown.getWidth(), "three photos side by side");
        assertFalse(new String(email.getInputStream().readAllBytes()).contains(RunningDreamDrop.API_KEY));
    }

    @Test
    void failureEmailSaysWhyAndWhatToDo() throws Exception {
        startSmtp();
        sandbox.failTrainings(1, "training_success");
        startDreamDrop(Map.of());
        dreamDrop.dropSet("doomed", 2, "instance_prompt: photo of sks person\n");
        dreamDrop.awaitStatus("doomed", "failed");

        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        MimeMessage email = smtp.getReceivedMessages()[0];
        assertEquals("[DreamDrop] doomed: the training failed", email.getSubject());
        String text = (String) ((Multipart) email.getContent()).getBodyPart(0).getContent();
        assertTrue(text.contains("Reason: Training failed at training_success"), text);
        assertTrue(text.contains("drop the set into the inbox again"), text);
    }

    @Test
    void duplicatedWebhooksStillSendOneEmailPerStatus() throws Exception {
        startSmtp();
        sandbox.webhookFault(WebhookFault.DUPLICATE, Integer.MAX_VALUE);
        startDreamDrop(Map.of("dreamdrop.mail.statuses", "training_started,model_ready"));
        dreamDrop.dropSet("twice", 2, "instance_prompt: photo of sks person\n");
        dreamDrop.awaitStatus("twice", "model_ready");

        await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length >= 2);
        Thread.sleep(1000);
        List<String> subjects = Stream.of(smtp.getReceivedMessages()).map(m -> {
            try {
                return m.getSubject();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).sorted().toList();
        assertEquals(List.of("[DreamDrop] twice: training started", "[DreamDrop] twice: your model is ready"), subjects);
    }

    @Test
    void smtpDownThenBackDeliversTheEmailOnce() throws Exception {
        startDreamDrop(Map.of());
        dreamDrop.dropSet("patient", 2, "instance_prompt: photo of sks person\n");
        dreamDrop.awaitStatus("patient", "model_ready");
        Thread.sleep(1500);
        assertTrue(Files.exists(dreamDrop.results("patient").resolve("status.json")), "results not held back by mail");

        startSmtp();
        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        Thread.sleep(1500);
        assertEquals(1, smtp.getReceivedMessages().length);
    }

    @Test
    void anEmailThatCannotBeSentIsParkedAndCanBeReplayed() throws Exception {
        startDreamDrop(Map.of("dreamdrop.mail.max-attempts", "2"));
        dreamDrop.dropSet("parked", 2, "instance_prompt: photo of sks person\n");
        dreamDrop.awaitStatus("parked", "model_ready");
        Path parkedDir = data.resolve("mail/parked");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isDirectory(parkedDir)
                && Files.list(parkedDir).anyMatch(f -> f.toString().endsWith("-model_ready.eml")));
        Path parked;
        try (Stream<Path> files = Files.list(parkedDir)) {
            parked = files.findFirst().orElseThrow();
        }
        assertFalse(Files.readString(parked).contains(RunningDreamDrop.API_KEY));

        startSmtp();
        Thread.sleep(1000);
        assertEquals(0, smtp.getReceivedMessages().length, "a parked email is not retried by itself");
        Files.move(parked, data.resolve("mail/replay").resolve(parked.getFileName()));
        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        assertEquals("[DreamDrop] parked: your model is ready", smtp.getReceivedMessages()[0].getSubject());
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(data.resolve("mail/sent").resolve(parked.getFileName())));
    }

    @Test
    void headerInjectionThroughTheSetNameOrInboundHeadersFailsSafely() throws Exception {
        startSmtp();
        sandbox.stepDelay(null);
        sandbox.webhookFault(WebhookFault.DROP, Integer.MAX_VALUE);
        startDreamDrop(Map.of());
        String evil = "Tom & <Jerry>\r\nBcc: victim@evil.example";
        dreamDrop.dropSet(evil, 2, "instance_prompt: photo of sks person\n");
        String trainingId = dreamDrop.awaitStatus(evil, "deploying_gpu").get("training_id").asText();
        for (int i = 0; i < 7; i++) {
            sandbox.advance(trainingId);
        }
        String webhook = RunningDreamDrop.readJson(dreamDrop.results(evil).resolve("request.json")).get("webhook").asText();
        HttpResponse<Void> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(webhook))
                .header("Content-Type", "application/json")
                .header("Bcc", "victim@evil.example")
                .header("X-Camel-To", "victim@evil.example")
                .header("Subject", "you have been hacked")
                .POST(HttpRequest.BodyPublishers.ofString("{\"status\":\"success\",\"training_status\":\"model_ready\","
                        + "\"logs\":\"done\",\"model_id\":\"" + trainingId + "\"}")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(200, answer.statusCode());

        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        Thread.sleep(500);
        MimeMessage[] received = smtp.getReceivedMessages();
        assertEquals(1, received.length, "one copy, to the one configured recipient");
        MimeMessage email = received[0];
        assertEquals(Set.of(OPS), recipients(email));
        assertNull(email.getHeader("Bcc"));
        assertEquals("[DreamDrop] Tom & <Jerry> Bcc: victim@evil.example: your model is ready", email.getSubject(),
                "the line break is gone, so the rest is just text");
        Multipart related = (Multipart) ((Multipart) email.getContent()).getBodyPart(1).getContent();
        String html = (String) related.getBodyPart(0).getContent();
        assertTrue(html.contains("Tom &amp; &lt;Jerry&gt;"), html);
        assertEquals(1, email.getHeader("Subject").length);
    }

    @Test
    void injectionThroughNotifyEmailRejectsTheSetAndMailsNobodyElse() throws Exception {
        startSmtp();
        startDreamDrop(Map.of("dreamdrop.mail.statuses", "rejected,model_ready"));
        dreamDrop.dropSet("sneaky", 2, "instance_prompt: photo of sks person\n"
                + "notify_email: \"me@example.com\\r\\nBcc: victim@evil.example\"\n");
        dreamDrop.awaitStatus("sneaky", "rejected");
        assertTrue(smtp.waitForIncomingEmail(10_000, 1));
        Thread.sleep(500);
        for (Message message : smtp.getReceivedMessages()) {
            assertEquals(Set.of(OPS), recipients((MimeMessage) message));
        }
        assertTrue(Files.readString(dreamDrop.failed().resolve("sneaky").resolve("errors.json"))
                .contains("is not one e-mail address"));
        assertTrue(sandbox.requests("/api/v3/fine_tune").isEmpty());
    }
}
