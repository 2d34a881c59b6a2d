package dev.dreamdrop.intake;

import dev.dreamdrop.image.ContactSheet;
import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Checks a claimed set (manifest and every photo) and prepares its photos as 512x512 JPEGs. All problems
 * of a set are collected, so that one rejection tells the person everything to fix.
 */
public class SetPreparation {

    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "heic", "heif");
    private static final Set<String> IGNORED = Set.of(FolderInbox.READY_FILE, "errors.json", "Thumbs.db", "desktop.ini");
    private static final Logger LOG = LoggerFactory.getLogger(SetPreparation.class);
    private static final int THUMBNAIL_SIZE = 96;

    private final Journal journal;
    private final SetSources sources;
    private final ManifestReader manifests;
    private final ImagePreparer preparer;
    private final PreparedImages preparedImages;
    private final int maxImages;
    private final PhotoReport.Thresholds thresholds;
    private final ContactSheets contactSheets;
    private final ExecutorService threads;

    /**
     * @param blurBelow see {@link PhotoReport.Thresholds}, as the three after it
     * @param threads   where photos are prepared, several at once (dreamdrop.images.concurrency)
     */
    public SetPreparation(Journal journal, SetSources sources, ManifestReader manifests, ImagePreparer preparer,
                          PreparedImages preparedImages, int maxImages, double blurBelow, double darkBelow,
                          double brightAbove, int sameWithin, ContactSheets contactSheets, ExecutorService threads) {
        this.journal = journal;
        this.sources = sources;
        this.manifests = manifests;
        this.preparer = preparer;
        this.preparedImages = preparedImages;
        this.maxImages = maxImages;
        this.thresholds = new PhotoReport.Thresholds(blurBelow, darkBelow, brightAbove, sameWithin);
        this.contactSheets = contactSheets;
        this.threads = threads;
    }

    public PreparedSet prepare(String jobId) {
        Job job = journal.find(jobId).orElseThrow(() -> new IllegalStateException("no job " + jobId));
        Path setDir = sources.of(job).localCopy(job);
        List<SetProblem> problems = new ArrayList<>();
        if (setDir == null) {
            problems.add(SetProblem.ofSet("the set's folder left the inbox before it was processed"));
            return new PreparedSet(jobId, job.setName(), null, 0, problems);
        }
        TrainingSettings settings = manifests.read(setDir, problems);
        List<Path> photos = photos(setDir, problems);
        if (photos.isEmpty()) {
            problems.add(SetProblem.ofSet("the set has no photos; add 7 to 8 .jpg, .jpeg, .png, .webp or .heic photos"
                    + " of the subject"));
        } else if (photos.size() > maxImages) {
            problems.add(SetProblem.ofSet("the set has " + photos.size() + " photos, more than the " + maxImages
                    + " allowed; keep the best 7 to 8"));
        }
        Path target = preparedImages.directoryFor(jobId);
        for (Path photo : photos) {
            try {
                preparer.inspect(photo);
            } catch (ImagePreparer.ImageProblem e) {
                problems.add(SetProblem.ofFile(photo.getFileName().toString(), e.getMessage()));
            }
        }
        int prepared = 0;
        List<byte[]> thumbnails = new ArrayList<>();
        PhotoReport report = new PhotoReport(settings == null ? null : settings.trainingType(), thresholds);
        List<ContactSheet.Tile> tiles = new ArrayList<>();
        if (problems.isEmpty()) {
            ImagePreparer.Crop crop = crop(settings);
            // the photos at once, on the preparation threads; read in order, so photo k is always file k
            List<Future<PreparedPhoto>> results = new ArrayList<>();
            for (int i = 0; i < photos.size(); i++) {
                Path photo = photos.get(i);
                Path file = target.resolve(PreparedImages.fileName(i));
                results.add(threads.submit(() -> PreparedPhoto.of(preparer.prepare(photo, file, crop))));
            }
            for (int i = 0; i < photos.size(); i++) {
                String name = photos.get(i).getFileName().toString();
                try {
                    PreparedPhoto result = outcome(results.get(i));
                    boolean warned = report.add(name, result.photo());
                    thumbnails.add(result.thumbnail());
                    tiles.add(new ContactSheet.Tile(result.tile(), name, warned));
                    prepared++;
                } catch (ImagePreparer.ImageProblem e) {
                    problems.add(SetProblem.ofFile(name, e.getMessage()));
                }
            }
        }
        if (settings != null) {
            journal.recordNotification(jobId, settings.notifyEmail(), settings.notifyStatuses(), settings.notifyUrl());
        }
        journal.storeThumbnails(jobId, thumbnails);
        journal.recordPhotoWarnings(jobId, report.warnings());
        if (problems.isEmpty()) {
            contactSheets.save(jobId, ContactSheet.jpeg(tiles));
            LOG.info("Set {} (job {}): {} photos prepared", job.setName(), jobId, prepared);
        } else {
            preparedImages.discard(jobId);
            LOG.info("Set {} (job {}) has {} problem(s) and will be rejected", job.setName(), jobId, problems.size());
        }
        return new PreparedSet(jobId, job.setName(), settings, prepared, problems);
    }

    /** A prepared photo with its thumbnail and its contact sheet's tile, made on the thread that prepared it. */
    private record PreparedPhoto(ImagePreparer.Prepared photo, byte[] thumbnail, BufferedImage tile) {

        static PreparedPhoto of(ImagePreparer.Prepared photo) throws ImagePreparer.ImageProblem {
            return new PreparedPhoto(photo, ImagePreparer.thumbnail(photo.image(), THUMBNAIL_SIZE),
                    ContactSheet.Tile.shrink(photo.image()));
        }
    }

    /** A photo's preparation as its thread ended it: prepared, or the problem found in it. */
    private static PreparedPhoto outcome(Future<PreparedPhoto> result)
            throws ImagePreparer.ImageProblem {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing photos", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImagePreparer.ImageProblem problem) {
                throw problem;
            }
            throw new IllegalStateException("preparing a photo failed", e.getCause());
        }
    }

    /** Around the face(s) of a person set, unless the set or the configuration says centre. */
    private static ImagePreparer.Crop crop(TrainingSettings settings) {
        if (!"face".equals(settings.crop())) {
            return ImagePreparer.Crop.CENTRE;
        }
        return switch (settings.trainingType()) {
            case "men", "female", "women" -> ImagePreparer.Crop.ONE_FACE;
            case "couple" -> ImagePreparer.Crop.TWO_FACES;
            default -> ImagePreparer.Crop.CENTRE;
        };
    }

    private List<Path> photos(Path setDir, List<SetProblem> problems) {
        List<Path> photos = new ArrayList<>();
        try (Stream<Path> files = Files.list(setDir)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || IGNORED.contains(name) || ManifestReader.MANIFEST_NAMES.contains(name)
                        || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isSymbolicLink(file)) {
                    problems.add(SetProblem.ofFile(name, "is a symbolic link; DreamDrop does not follow links,"
                            + " copy the photo itself into the set"));
                } else if (IMAGE_EXTENSIONS.contains(extension(name))) {
                    photos.add(file);
                } else {
                    problems.add(SetProblem.ofFile(name, "is not a supported photo; use .jpg, .jpeg, .png, .webp or .heic"
                            + " (convert it, or remove it from the set)"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list set folder " + setDir, e);
        }
        return photos;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
