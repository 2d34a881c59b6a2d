package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.CapturedLog;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.EventReceiver;
import dev.dreamdrop.testing.RunningDreamDrop;
import jakarta.mail.internet.MimeMessage;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Status events to the systems around DreamDrop (routes/sink-events.camel.yaml), received by a receiver that
 * verifies each one with the Standard Webhooks library: once each, in order, signed, through outages, parking and
 * replay, and a SIGKILL.
 */
class StatusEventsTest {

    private static final String MANIFEST = "instance_prompt: photo of sks person\ntraining_type: men\n";

    @TempDir
    Path data;

    private final ObjectMapper json = new ObjectMapper();
    private TrainingApiSandbox sandbox;
    private EventReceiver receiver;
    private RunningDreamDrop dreamDrop;

    @BeforeEach
    void start() throws Exception {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ofMillis(50));
        receiver = EventReceiver.start();
    }

    @AfterEach
    void stop() {
        if (dreamDrop != null) {
            dreamDrop.close();
        }
        receiver.close();
        sandbox.close();
    }

    private Map<String, String> eventSettings(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "dreamdrop.events.urls", receiver.url(),
                "dreamdrop.events.secret", EventReceiver.SECRET,
                "dreamdrop.events.poll-interval", "50ms",
                "dreamdrop.events.retry-initial-delay", "100ms",
                "dreamdrop.events.retry-max-delay", "200ms"));
        settings.putAll(extra);
        return settings;
    }

    @Test
    void oneTrainingsStatusesArriveOnceEachInOrderSignedAndTheSecretIsNowhere() throws Exception {
        int smtpPort = RunningDreamDrop.freePort();
        GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
        try (CapturedLog log = CapturedLog.capture()) {
            dreamDrop = RunningDreamDrop.start(data, sandbox, eventSettings(Map.of(
                    "dreamdrop.mail.host", "127.0.0.1", "dreamdrop.mail.port", String.valueOf(smtpPort),
                    "dreamdrop.mail.to", "ops@example.com", "dreamdrop.mail.statuses", "submitting,model_ready")));
            dreamDrop.dropSet("evented", 3, MANIFEST);
            dreamDrop.awaitStatus("evented", "model_ready");
            List<StatusChange> applied = awaitAllAccepted("evented");

            List<EventReceiver.Delivery> deliveries = receiver.deliveries();
            assertEquals(applied.size(), deliveries.size(), "each event delivered once, none repeated");
            assertTrue(deliveries.stream().allMatch(EventReceiver.Delivery::verified), "every delivery signed");
            assertEquals(applied.stream().map(StatusChange::status).toList(),
                    deliveries.stream().map(d -> d.event().path("data").path("status").asText()).toList(),
                    "in the journal's order");
            assertTrue(deliveries.stream().map(d -> d.event().path("data").path("status").asText()).toList()
                    .containsAll(TrainingStatus.TRAINING_STEPS), "the eight training statuses");
            assertEquals(deliveries.size(), deliveries.stream().map(EventReceiver.Delivery::webhookId).distinct()
                    .count(), "one webhook-id per event");

            JsonNode ready = deliveries.get(deliveries.size() - 1).event();
            Job job = journal().latestJob("folder", "evented").orElseThrow();
            assertEquals("training.model_ready", ready.path("type").asText());
            assertEquals("evented", ready.path("data").path("set").asText());
            assertEquals(job.id(), ready.path("data").path("job_id").asText());
            assertEquals(job.trainingId(), ready.path("data").path("training_id").asText());
            assertEquals(8, ready.path("data").path("step").asInt());
            assertEquals(8, ready.path("data").path("steps").asInt());
            assertEquals(dreamDrop.results("evented").toAbsolutePath().toUri().toString(),
                    ready.path("data").path("results").asText());

            await().atMost(Duration.ofSeconds(20)).until(() -> smtp.getReceivedMessages().length == 2);
            dreamDrop.close();
            dreamDrop = null;
            for (MimeMessage email : smtp.getReceivedMessages()) {
                assertFalse(GreenMailUtil.getWholeMessage(email).contains(EventReceiver.SECRET), "secret in an email");
            }
            assertFalse(log.lines().isEmpty());
            for (String line : log.lines()) {
                assertFalse(line.contains(EventReceiver.SECRET), "secret in a log line: " + line);
            }
            try (Stream<Path> walk = Files.walk(data)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(EventReceiver.SECRET), "secret in " + file);
                }
            }
        } finally {
            smtp.stop();
        }
    }

    @Test
    void aReceiverThatFailsForAWhileGetsEveryEventOnceAfterTheOutageInOrder() throws Exception {
        receiver.answerWith(() -> 500);
        dreamDrop = RunningDreamDrop.start(data, sandbox, eventSettings(Map.of()));
        dreamDrop.dropSet("outage", 3, MANIFEST);
        dreamDrop.awaitStatus("outage", "model_ready");
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.deliveries().size() >= 4);
        receiver.answerWith(() -> 200);

        List<StatusChange> applied = awaitAllAccepted("outage");

        assertTrue(receiver.deliveries().size() > applied.size(), "the outage refused some deliveries");
        assertEquals(applied.stream().map(StatusChange::status).toList(), receiver.accepted().stream()
                .map(d -> d.event().path("data").path("status").asText()).toList(), "each once, in order");
        assertTrue(receiver.deliveries().stream().allMatch(EventReceiver.Delivery::verified));
    }

    @Test
    void aReceiverThatNeverAcceptsEndsParkedAndIsReplayedFromTheOperatorApi() throws Exception {
        receiver.answerWith(() -> 503);
        dreamDrop = RunningDreamDrop.start(data, sandbox, eventSettings(Map.of("dreamdrop.events.max-attempts", "3")));
        dreamDrop.dropSet("parked", 3, MANIFEST);
        dreamDrop.awaitStatus("parked", "model_ready");
        int events = applied("parked").size();

        await().atMost(Duration.ofSeconds(20)).until(() -> operator("GET", "/api/events/parked").size() == 1);
        JsonNode parked = operator("GET", "/api/events/parked").get(0);
        assertEquals("parked", parked.path("set").asText());
        assertEquals(3, parked.path("attempts").asInt());
        assertEquals(events - 1, parked.path("waiting_behind_it").asInt(), "the later events wait behind it");
        assertEquals(3, receiver.deliveries().size(), "nothing delivered past the parked event");
        assertTrue(parked.path("receiver").asText().endsWith("/events"), "the receiver's query is not shown");
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl()
                + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("dreamdrop_events_parked_total{")
                && line.contains("receiver=\"http://127.0.0.1:") && line.endsWith(" 1.0")), metrics);
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("dreamdrop_events_retried_total{")
                && line.endsWith(" 2.0")), metrics);
        assertFalse(metrics.contains("customer=acme"));

        receiver.answerWith(() -> 202);
        assertEquals("replaying", operator("POST", "/api/events/" + parked.path("id").asLong() + "/replay")
                .path("status").asText());

        List<StatusChange> applied = awaitAllAccepted("parked");
        assertEquals(applied.stream().map(StatusChange::status).toList(), receiver.accepted().stream()
                .map(d -> d.event().path("data").path("status").asText()).toList(), "all of them, in order");
        assertEquals(0, operator("GET", "/api/events/parked").size());
    }

    @Test
    void aSigkillMidDeliveryAndARestartLoseNothing() throws Exception {
        // slow answers: the kill comes while events are being delivered
        receiver.delayAnswers(Duration.ofMillis(400));
        Map<String, String> settings = eventSettings(Map.of("dreamdrop.outbox.poll-interval", "50ms"));
        Path inbox = data.resolve("inbox");
        RunningDreamDrop.dropSet(inbox, "killed", 3, MANIFEST);
        DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", settings);
        try {
            RunningDreamDrop.awaitStatus(data, "killed", "model_ready");
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveries().size() >= 3);
        } finally {
            first.kill();
        }
        int beforeRestart = receiver.deliveries().size();
        receiver.delayAnswers(Duration.ZERO);

        try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", settings)) {
            // the last event is delivered after every earlier one
            await().atMost(Duration.ofSeconds(120)).until(() -> receiver.accepted().stream()
                    .anyMatch(d -> d.event().path("type").asText().equals("training.model_ready")));
        }
        // the journal is free once the process has stopped: it says which events there were
        JdbcDataSource journalFile = new JdbcDataSource();
        journalFile.setURL("jdbc:h2:file:" + data.resolve("journal").toAbsolutePath());
        journalFile.setUser("sa");
        Journal journal = new Journal(journalFile, "test");
        List<String> expected = routed(journal, "killed").stream()
                .map(change -> "msg_" + change.jobId() + "_" + change.eventId()).toList();
        assertTrue(expected.size() > 8, "every status of the set: " + expected);
        assertTrue(beforeRestart < expected.size(), "killed in the middle of the deliveries");
        assertTrue(receiver.deliveries().stream().allMatch(EventReceiver.Delivery::verified));
        List<String> firstArrivals = receiver.accepted().stream().map(EventReceiver.Delivery::webhookId).distinct()
                .toList();
        assertEquals(expected, firstArrivals, "every event, in order; a repeat only under its own id");
    }

    private List<StatusChange> awaitAllAccepted(String set) {
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.accepted().size() >= applied(set).size());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("journalled " + applied(set).stream().map(StatusChange::status).toList()
                    + ", accepted " + receiver.accepted().stream().map(d -> d.event().path("data").path("status")
                    .asText()).toList(), e);
        }
        return applied(set);
    }

    private List<StatusChange> applied(String set) {
        return routed(journal(), set);
    }

    /** The set's status changes that reach the sinks: every applied one but the claim, which is the intake's own. */
    private static List<StatusChange> routed(Journal journal, String set) {
        return journal.events(journal.latestJob("folder", set).orElseThrow().id()).stream()
                .filter(change -> change.applied() && !change.status().equals(TrainingStatus.CLAIMED)).toList();
    }

    private Journal journal() {
        return dreamDrop.journal();
    }

    private JsonNode operator(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(dreamDrop.managementUrl() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return json.readTree(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
