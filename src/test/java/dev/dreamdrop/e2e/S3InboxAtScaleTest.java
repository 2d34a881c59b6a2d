package dev.dreamdrop.e2e;

import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.testing.RunningDreamDrop;
import dev.dreamdrop.testing.RunningS3;
import dev.dreamdrop.testing.TestPhotos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thousand sets waiting in the S3 inbox for their READY (an upload pipeline's weekend): a scan is one listing of
 * the inbox, a page per thousand objects, with no HEAD and nothing else per waiting set, counted at the S3 server; a
 * READY set among them is still claimed within a poll interval, and a half-uploaded set is never taken.
 */
class S3InboxAtScaleTest {

    private static final int WAITING = 1_000;
    private static final Duration POLL = Duration.ofSeconds(1);

    @TempDir
    Path data;

    @Test
    void aScanOfAThousandWaitingSetsIsOneListingPageAThousandObjects() throws Exception {
        try (TrainingApiSandbox sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY),
                Duration.ofMillis(50));
             RunningS3 s3 = new RunningS3()) {
            for (int i = 0; i < WAITING; i++) {
                String key = "inbox/waiting-" + i + "/photo-1.jpg";
                s3.client().putObject(b -> b.bucket(RunningS3.BUCKET).key(key), RequestBody.fromString("half"));
            }
            Path half = data.resolve("upload/half");
            TestPhotos.writeSet(half, 2);
            s3.upload(half, "inbox/half/", false);
            int objects = s3.keys("inbox/").size();
            Map<String, String> settings = new HashMap<>(s3.settings());
            settings.put("dreamdrop.intake", "s3");
            settings.put("dreamdrop.s3.poll-interval", POLL.toMillis() + "ms");
            settings.put("dreamdrop.s3.staging-dir", data.resolve("s3-staging").toString());
            try (RunningDreamDrop dreamDrop = RunningDreamDrop.start(data, sandbox, settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> scans(s3.operations()) >= 2);
                s3.forgetOperations();
                Thread.sleep(4 * POLL.toMillis());
                // from the first scan that began in the window: one begun before it shows only its last pages
                List<RunningS3.Operation> window = s3.operations();
                int firstScan = 0;
                while (firstScan < window.size() && !(window.get(firstScan).isListingOf("inbox/")
                        && window.get(firstScan).firstPage())) {
                    firstScan++;
                }
                List<RunningS3.Operation> seen = window.subList(firstScan, window.size());

                long scans = scans(seen);
                long pages = seen.stream().filter(operation -> operation.isListingOf("inbox/")).count();
                List<RunningS3.Operation> others = seen.stream()
                        .filter(operation -> !operation.isListingOf("inbox/")).toList();
                System.out.printf("S3 inbox with %d waiting sets (%d objects): %d scans, %d listing pages, %d other"
                        + " requests %s%n", WAITING + 1, objects, scans, pages, others.size(), others);
                assertTrue(scans >= 2, "scanned every poll interval");
                assertTrue(pages <= scans * (1 + objects / 1_000), pages + " pages for " + scans + " scans");
                assertEquals(List.of(), others, "no HEAD, no GET, no listing per waiting set");

                Path ready = data.resolve("upload/go");
                TestPhotos.writeSet(ready, 2);
                Files.writeString(ready.resolve("training.yaml"), "instance_prompt: photo of sks person\n");
                s3.upload(ready, "inbox/go/", true);
                long uploaded = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> dreamDrop.journal().latestJob("s3", "go").isPresent());
                Duration claimedAfter = Duration.ofNanos(System.nanoTime() - uploaded);
                System.out.printf("A READY set among them claimed %d ms after its upload (poll interval %d ms)%n",
                        claimedAfter.toMillis(), POLL.toMillis());
                assertTrue(claimedAfter.compareTo(POLL.plusSeconds(2)) < 0, "claimed within a poll interval, and"
                        + " the scan: " + claimedAfter.toMillis() + " ms");

                dreamDrop.awaitStatus("go", "model_ready");
                assertTrue(dreamDrop.journal().latestJob("s3", "half").isEmpty(), "a set without READY is not taken");
                assertEquals(List.of("inbox/half/photo-01.jpg", "inbox/half/photo-02.jpg"), s3.keys("inbox/half/"));
            }
        }
    }

    /** The scans among the operations: each begins with a listing's first page of the whole inbox. */
    private static long scans(List<RunningS3.Operation> operations) {
        return operations.stream().filter(operation -> operation.isListingOf("inbox/") && operation.firstPage())
                .count();
    }
}
