package dev.dreamdrop.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.DreamDropProcess;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.Trainings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the journal acknowledged reaches every sink, whatever happens between the two: a SIGKILL right after the
 * last webhook's 2xx, or the storage going away while the webhooks come in. The sinks catch up from the journal's
 * status outbox, without any further webhook, and nothing is stored or mailed twice.
 */
class DurableOutboxTest {

    private static final int SETS = 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    private static String manifest(int set) {
        return "instance_prompt: photo of sks" + set + " person\nnotify_email: set-" + set + "@example.com\n";
    }

    /** Email tried while SMTP is not there yet: failed attempts are retried soon, none can have been delivered. */
    private static Map<String, String> mailTo(int smtpPort) {
        return Map.of("dreamdrop.mail.host", "127.0.0.1", "dreamdrop.mail.port", String.valueOf(smtpPort),
                "dreamdrop.mail.statuses", TrainingStatus.MODEL_READY,
                "dreamdrop.mail.retry-initial-delay", "500ms", "dreamdrop.mail.retry-max-delay", "2s");
    }

    @Test
    void killedRightAfterTheLastWebhookEveryResultAndEveryEmailCatchesUpAfterTheRestart() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null)) {
            for (int i = 0; i < SETS; i++) {
                RunningDreamDrop.dropSet(data.resolve("inbox"), "set-" + i, 2, manifest(i));
            }
            // SMTP comes up only after the kill, so no email can be half sent by the dead process (SMTP cannot
            // be asked whether a message arrived): the emails it owed must all come from the restarted one
            int smtpPort = RunningDreamDrop.freePort();
            Map<String, String> settings = mailTo(smtpPort);
            int behind;
            try (DreamDropProcess first = DreamDropProcess.start(data, sandbox, "256m", settings)) {
                first.awaitReady(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(90)).until(() -> sandbox.trainingIds().size() == SETS
                        && sandbox.webhooks().size() == SETS);
                Trainings.finishAllAtOnce(sandbox);
                first.kill();
                behind = setsNotAt(TrainingStatus.MODEL_READY).size();
            }
            assertEquals(SETS * TrainingStatus.TRAINING_STEPS.size(), sandbox.webhooks().size());
            assertEquals(List.of(), Trainings.unacknowledged(sandbox), "every webhook acknowledged before the kill");
            System.out.println("At the kill, " + behind + " of " + SETS + " sets' status.json were behind the journal,"
                    + " and all " + SETS + " emails unsent");

            GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
            smtp.start();
            try (DreamDropProcess second = DreamDropProcess.start(data, sandbox, "256m", settings)) {
                int webhooksBefore = sandbox.webhooks().size();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> setsNotAt(TrainingStatus.MODEL_READY).isEmpty()
                                && smtp.getReceivedMessages().length >= SETS);
                Thread.sleep(2000);
                assertEquals(webhooksBefore, sandbox.webhooks().size(), "no further webhook was needed");
                Map<String, Integer> expected = new HashMap<>();
                for (int i = 0; i < SETS; i++) {
                    expected.put("set-" + i + "@example.com", 1);
                    assertHistoryComplete(Files.readString(results("set-" + i).resolve("events.jsonl")), "set-" + i);
                }
                assertEquals(expected, Trainings.emailsPerRecipient(smtp.getReceivedMessages()),
                        "exactly one model_ready email per set");
            } finally {
                smtp.stop();
            }
        }
    }

    @Test
    void theStorageGoingAwayWhileWebhooksComeInLosesAndDoublesNothing() throws Exception {
        int sets = 12;
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), null);
             RunningS3 s3 = new RunningS3()) {
            int smtpPort = RunningDreamDrop.freePort();
            GreenMail smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
            smtp.start();
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.putAll(mailTo(smtpPort));
            settings.put("dreamdrop.storage.sink", "s3");
            // the photos on DreamDrop's own server, as before hosting auto chose the bucket: the trainings must
            // fetch them while the bucket is away, which is the storage this test takes down
            settings.put("dreamdrop.images.hosting", "self");
            settings.put("dreamdrop.outbox.retry-max-delay", "1s");
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                for (int i = 0; i < sets; i++) {
                    dreamDrop.dropSet("set-" + i, 2, manifest(i));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.webhooks().size() == sets
                        && setsInBucketAt(s3, sets, "deploying_gpu"));

                s3.stop();
                Trainings.finishAllAtOnce(sandbox);
                assertEquals(List.of(), Trainings.unacknowledged(sandbox), "webhooks are answered while storage is down");
                String metrics = get(dreamDrop.managementUrl() + "/observe/metrics");
                Matcher depth = Pattern.compile("(?m)^dreamdrop_status_outbox_depth (\\S+)").matcher(metrics);
                assertTrue(depth.find(), "the outbox depth is a metric");
                assertTrue(Double.parseDouble(depth.group(1)) > 0, "changes wait for the storage: " + depth.group());
                assertTrue(metrics.contains("dreamdrop_status_outbox_oldest_seconds"), "the oldest change's age too");
                Thread.sleep(3000);
                s3.start();

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> setsInBucketAt(s3, sets, TrainingStatus.MODEL_READY)
                                && smtp.getReceivedMessages().length >= sets);
                Thread.sleep(2000);
                Map<String, Integer> expected = new HashMap<>();
                for (int i = 0; i < sets; i++) {
                    expected.put("set-" + i + "@example.com", 1);
                    assertHistoryComplete(s3.text("results/set-" + i + "/events.jsonl"), "set-" + i);
                }
                assertEquals(expected, Trainings.emailsPerRecipient(smtp.getReceivedMessages()),
                        "exactly one model_ready email per set");
                await().atMost(Duration.ofSeconds(10)).until(() -> get(dreamDrop.managementUrl()
                        + "/observe/metrics").contains("dreamdrop_status_outbox_depth 0.0"));
            } finally {
                smtp.stop();
            }
        }
    }

    /** Each status of the training applied exactly once, in order. */
    static void assertHistoryComplete(String eventsJsonl, String set) throws Exception {
        List<String> applied = new ArrayList<>();
        for (String line : eventsJsonl.split("\n")) {
            JsonNode event = JSON.readTree(line);
            if (event.path("applied").asBoolean()) {
                applied.add(event.path("status").asText());
            }
        }
        List<String> expected = new ArrayList<>(List.of(TrainingStatus.CLAIMED, TrainingStatus.SUBMITTING));
        expected.addAll(TrainingStatus.TRAINING_STEPS);
        assertEquals(expected, applied, set + "'s events.jsonl");
    }

    private Path results(String set) {
        return data.resolve("results").resolve(set);
    }

    private List<String> setsNotAt(String status) {
        List<String> behind = new ArrayList<>();
        for (int i = 0; i < SETS; i++) {
            Path file = results("set-" + i).resolve("status.json");
            try {
                if (!status.equals(JSON.readTree(file.toFile()).path("status").asText())) {
                    behind.add("set-" + i);
                }
            } catch (Exception notThereYet) {
                behind.add("set-" + i);
            }
        }
        return behind;
    }

    private static boolean setsInBucketAt(RunningS3 s3, int sets, String status) {
        for (int i = 0; i < sets; i++) {
            try {
                if (!status.equals(JSON.readTree(s3.text("results/set-" + i + "/status.json")).path("status").asText())) {
                    return false;
                }
            } catch (Exception notThereYet) {
                return false;
            }
        }
        return true;
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
