package dev.dreamdrop.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.intake.RecentMoves;
import dev.dreamdrop.intake.SetFolders;
import dev.dreamdrop.intake.SetProblem;
import dev.dreamdrop.intake.SetSource;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.retention.JobPhotos;
import dev.dreamdrop.storage.LocalFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sets uploaded to a bucket: {@code <inbox-prefix><set>/} with photos and an optional manifest, ready once a
 * {@code READY} object exists. A scan is one listing of the inbox, one request per thousand objects, whatever the
 * number of sets waiting for their READY; a ready set's own objects are listed and downloaded once, when claimed.
 * Moves (to the archive or failed prefix) copy then delete each object, so an interrupted move is finished by
 * the next listing and nothing is lost; the journal knows which sets have not finished leaving the inbox, so
 * such a set is never claimed twice. While the bucket cannot be reached, listing backs off.
 * <p>
 * The listings are SDK calls ({@link S3Access#list}); every other object operation (the
 * download, the moves, errors.json) is a step of routes/s3-objects.camel.yaml, through {@link S3Objects}. Names
 * containing {@code ${} never go there (Camel would evaluate them): such a set is not claimed, such a photo is
 * left out of the set and left in the inbox when the set moves, each with a warning.
 */
public class S3Inbox implements SetSource {

    public static final String SOURCE = "s3";
    private static final Logger LOG = LoggerFactory.getLogger(S3Inbox.class);
    private static final String COMPLETE_MARKER = ".complete";

    private final S3Access s3;
    private final S3Objects objects;
    private final S3Settings settings;
    private final Journal journal;
    private final JobPhotos photos;
    private final Path staging;
    private final boolean enabled;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Map<String, String> rejectedAt = RecentMoves.create();
    // the keys already warned about, so that a scan every few seconds does not repeat itself; bounded like the moves
    private final Map<String, String> warned = RecentMoves.create();
    private Instant pausedUntil = Instant.EPOCH;
    private int failures;

    /** @param enabled whether S3 intake is on ({@code dreamdrop.intake}); S3 sets can still be moved when off */
    public S3Inbox(S3Access s3, S3Objects objects, Journal journal, JobPhotos photos, Path staging, boolean enabled) {
        this.s3 = s3;
        this.objects = objects;
        this.settings = s3.settings();
        this.journal = journal;
        this.staging = staging;
        this.enabled = enabled;
        this.photos = photos;
    }

    /** Claims every ready set in the bucket's inbox; returns the ids of the jobs to prepare and submit. */
    public synchronized List<String> claimReadySets() {
        if (!enabled || Instant.now().isBefore(pausedUntil)) {
            return List.of();
        }
        try {
            List<String> jobIds = scan();
            if (failures > 0) {
                LOG.info("S3 bucket {} reachable again after {} failed attempt(s)", settings.bucket(), failures);
                failures = 0;
            }
            return jobIds;
        } catch (SdkException e) {
            failures++;
            Duration delay = Duration.ofSeconds(1L << Math.min(failures, 12));
            delay = delay.compareTo(settings.retryMaxDelay()) > 0 ? settings.retryMaxDelay() : delay;
            pausedUntil = Instant.now().plus(delay);
            LOG.warn("S3 bucket {} cannot be listed (attempt {}): {}; next attempt in {} s", settings.bucket(),
                    failures, e.getMessage(), delay.toSeconds());
            return List.of();
        }
    }

    /**
     * One listing of the whole inbox, every page of it, tells each set's objects, READY among them: a set still being
     * uploaded costs nothing more, neither a request nor a journal query. Only a set with its READY is looked up in
     * the journal, and listed again when no job holds it (a set whose move was cut short still has its READY: it
     * moves last).
     */
    private List<String> scan() {
        List<String> jobIds = new ArrayList<>();
        for (S3Object object : s3.list(settings.inboxPrefix())) {
            String key = object.key().substring(settings.inboxPrefix().length());
            if (key.endsWith("/READY") && key.indexOf('/') == key.length() - "/READY".length()) {
                claimIfReady(key.substring(0, key.indexOf('/'))).ifPresent(jobIds::add);
            }
        }
        return jobIds;
    }

    /**
     * Claims the sets whose READY an S3 event notification announces (the JSON AWS sends to SQS: {@code Records},
     * each with its bucket and URL-encoded key), at once: one listing of each such set. Other objects, other buckets
     * and S3's test event are ignored. Returns the ids of the jobs to prepare and submit.
     */
    public synchronized List<String> claimAnnounced(JsonNode notification) {
        List<String> jobIds = new ArrayList<>();
        if (!enabled) {
            return jobIds;
        }
        for (JsonNode record : notification.path("Records")) {
            String key = URLDecoder.decode(record.path("s3").path("object").path("key").asText(), StandardCharsets.UTF_8);
            boolean created = record.path("eventName").asText().startsWith("ObjectCreated:");
            if (!created || !settings.bucket().equals(record.path("s3").path("bucket").path("name").asText())
                    || !key.startsWith(settings.inboxPrefix()) || !key.endsWith("/READY")) {
                continue;
            }
            claimIfReady(key.substring(settings.inboxPrefix().length(), key.length() - "/READY".length()))
                    .ifPresent(jobIds::add);
        }
        return jobIds;
    }

    /**
     * Claims the set if it has its READY and no job holds it; finishes its move if one was cut short. Its objects are
     * listed afresh: since the inbox's listing (or the event), another replica may have taken the set and moved it
     * on, and a listing of it from before that must not bring it in again. For the same reason the very upload
     * a job was made of (its objects' fingerprint) is never claimed twice.
     */
    private Optional<String> claimIfReady(String name) {
        String setPrefix = settings.inboxPrefix() + name + "/";
        if (!isSafeName(name)) {
            return Optional.empty();
        }
        if (!S3Objects.isLiteral(name)) {
            warnOnce(setPrefix, "Set {} in the S3 inbox is not taken: its name contains ${, which Camel's S3"
                    + " component would read as an expression; upload it under another name", name);
            return Optional.empty();
        }
        if (journal.isActive(SOURCE, name)) {
            return Optional.empty();
        }
        List<S3Object> setObjects = s3.list(setPrefix);
        if (setObjects.stream().noneMatch(object -> object.key().equals(setPrefix + "READY"))) {
            return Optional.empty();
        }
        Job earlier = journal.unfinishedMove(SOURCE, name).orElse(null);
        if (earlier != null) {
            finishMove(earlier);
            return Optional.empty();
        }
        String fingerprint = fingerprint(setObjects);
        if (journal.latestJob(SOURCE, name).filter(job -> job.fingerprint().equals(fingerprint)).isPresent()) {
            return Optional.empty();
        }
        return journal.claim(SOURCE, name, fingerprint).map(job -> {
            LOG.info("Set {} claimed from s3://{}/{} as job {}", name, settings.bucket(), setPrefix, job.id());
            return job.id();
        });
    }

    /** Downloads the set's own objects (direct children of its prefix) once, into a folder of its own. */
    @Override
    public Path localCopy(Job job) {
        Path dir = staging.resolve(job.id());
        if (Files.exists(dir.resolve(COMPLETE_MARKER))) {
            return dir;
        }
        String setPrefix = settings.inboxPrefix() + job.setName() + "/";
        List<S3Object> setObjects = s3.list(setPrefix);
        if (setObjects.isEmpty()) {
            return null;
        }
        try {
            LocalFiles.deleteTree(dir);
            Files.createDirectories(dir);
            for (S3Object object : setObjects) {
                String fileName = object.key().substring(setPrefix.length());
                if (fileName.contains("/") || !isSafeName(fileName) || !S3Objects.isLiteral(fileName)) {
                    continue;
                }
                objects.download(object.key(), job.id() + "/" + fileName);
            }
            Files.createFile(dir.resolve(COMPLETE_MARKER));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot download set " + job.setName(), e);
        }
    }

    @Override
    public void archive(Job job) {
        // chosen once per job, so that a move retried after an outage continues where it stopped
        String to = journal.moveDestination(job.id(), () -> freePrefix(settings.archivePrefix(), job));
        move(settings.inboxPrefix() + job.setName() + "/", to);
        photos.at(job.id(), to);
        journal.markMoved(job.id());
        LocalFiles.deleteTree(staging.resolve(job.id()));
    }

    @Override
    public void reject(Job job, List<SetProblem> problems) {
        String inbox = settings.inboxPrefix() + job.setName() + "/";
        String from = !s3.list(inbox).isEmpty() ? inbox
                : journal.movedTo(job.id()).orElse(settings.archivePrefix() + job.setName() + "/");
        String to = rejectedAt.computeIfAbsent(job.id(), id -> freePrefix(settings.failedPrefix(), job));
        move(from, to);
        try {
            objects.put(to + "errors.json", json.writeValueAsString(SetFolders.errorReport(job.setName(), problems)),
                    "application/json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rejectedAt.remove(job.id());
        photos.at(job.id(), to);
        journal.markMoved(job.id());
        LocalFiles.deleteTree(staging.resolve(job.id()));
        LOG.info("Set {} (job {}) moved to s3://{}/{}", job.setName(), job.id(), settings.bucket(), to);
    }

    @Override
    public boolean restore(Job job) {
        String inbox = settings.inboxPrefix() + job.setName() + "/";
        for (String from : List.of(rejectedAt.getOrDefault(job.id(), settings.failedPrefix() + job.setName() + "/"),
                journal.movedTo(job.id()).orElse(settings.archivePrefix() + job.setName() + "/"))) {
            if (!s3.list(from).isEmpty() && s3.list(inbox).isEmpty()) {
                objects.delete(from + "errors.json");
                move(from, inbox);
                photos.gone(job.id());
                return true;
            }
        }
        return false;
    }

    @Override
    public void deletePhotos(Job job, String location, boolean wholeSet) {
        for (S3Object object : s3.list(location)) {
            String name = object.key().substring(location.length());
            if ((wholeSet || !name.contains("/") && !KEPT_FILES.contains(name)) && S3Objects.isLiteral(object.key())) {
                objects.delete(object.key());
            }
        }
        LocalFiles.deleteTree(staging.resolve(job.id()));
    }

    /** A set still in the inbox although its job went on: the move was interrupted, so it is finished now. */
    private void finishMove(Job job) {
        LOG.warn("Set {} is still in the S3 inbox although job {} took it ({}); finishing its move", job.setName(),
                job.id(), job.status());
        if (TrainingStatus.REJECTED.equals(job.status()) || TrainingStatus.FAILED.equals(job.status())
                && job.trainingId() == null) {
            reject(job, List.of(SetProblem.ofSet(job.error() == null ? job.status() : job.error())));
        } else {
            archive(job);
        }
    }

    /**
     * Copies then deletes each object, READY last: a move cut short leaves the set recognisable in the inbox,
     * and running the move again completes it.
     */
    private void move(String fromPrefix, String toPrefix) {
        List<S3Object> setObjects = s3.list(fromPrefix);
        setObjects.sort(Comparator.comparing((S3Object o) -> o.key().endsWith("/READY")).thenComparing(S3Object::key));
        for (S3Object object : setObjects) {
            if (!S3Objects.isLiteral(object.key())) {
                warnOnce(object.key(), "{} is left where it is: its name contains ${, which Camel's S3 component"
                        + " would read as an expression", object.key());
                continue;
            }
            objects.move(object.key(), toPrefix + object.key().substring(fromPrefix.length()));
        }
    }

    private void warnOnce(String key, String message, String argument) {
        if (warned.putIfAbsent(key, key) == null) {
            LOG.warn(message, argument);
        }
    }

    /** {@code <prefix><set>/}, or {@code <prefix><set>.<job>/} when an older set of that name is there. */
    private String freePrefix(String prefix, Job job) {
        String plain = prefix + job.setName() + "/";
        return s3.list(plain).isEmpty() ? plain : prefix + job.setName() + "." + job.id().substring(0, 8) + "/";
    }

    static String fingerprint(List<S3Object> objects) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            objects.stream().sorted(Comparator.comparing(S3Object::key)).forEach(o -> digest.update(
                    (o.key() + "|" + o.size() + "|" + o.eTag() + "|" + o.lastModified() + "\n")
                            .getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A name usable as one folder or file name: no path tricks from a crafted key. */
    private static boolean isSafeName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && !name.contains("/")
                && !name.contains("\\") && name.chars().noneMatch(Character::isISOControl);
    }
}
