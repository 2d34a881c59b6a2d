package dev.dreamdrop.retention;

import dev.dreamdrop.config.Settings;
import dev.dreamdrop.image.HostedImages;
import dev.dreamdrop.intake.ContactSheets;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.journal.Job;
import dev.dreamdrop.journal.Journal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Photos of people kept only as long as needed (dreamdrop.retention.photos): this long after a job's training ended
 * (any final status, a rejection included), its photos are deleted everywhere DreamDrop keeps them: the originals in
 * the archive or failed place (folder or bucket), local copies, the prepared photos, the journal's thumbnails and
 * contact sheet (the results' photos.jpg goes with it, through the route). The results of the training stay: status,
 * events, request, samples, model. Every replica may run it; each job's photos are reserved by one at a time.
 */
public class PhotoRetention {

    private static final Logger LOG = LoggerFactory.getLogger(PhotoRetention.class);

    private final JobPhotos photos;
    private final Journal journal;
    private final SetSources sources;
    private final HostedImages hostedImages;
    private final ContactSheets contactSheets;
    private final Duration retention;
    private final Counter deleted;

    /** @param retention null: photos are kept */
    public PhotoRetention(JobPhotos photos, Journal journal, SetSources sources, HostedImages hostedImages,
                          ContactSheets contactSheets, Duration retention, MeterRegistry metrics) {
        this.photos = photos;
        this.journal = journal;
        this.sources = sources;
        this.hostedImages = hostedImages;
        this.contactSheets = contactSheets;
        this.retention = retention;
        this.deleted = Counter.builder("dreamdrop.retention.photos.deleted")
                .description("Sets whose photos were deleted at the end of their retention").register(metrics);
    }

    /** The jobs whose photos are due for deletion, each reserved for this instance; none while photos are kept. */
    public List<JobPhotos.Kept> due() {
        return retention == null ? List.of() : photos.due(retention);
    }

    /** Deletes the job's photos kept in DreamDrop's own places; the results' copy is the route's next step. */
    public String deletePhotos(JobPhotos.Kept kept) {
        deleteEverywhere(kept.jobId(), kept.location(), false);
        return kept.jobId();
    }

    /**
     * An erasure: the job's whole set (its manifest and error report too) and every copy of its photos DreamDrop
     * keeps, at once. Returns where the set was, or null when it was no longer anywhere.
     */
    public String eraseSet(String jobId) {
        String location = photos.location(jobId).orElse(null);
        deleteEverywhere(jobId, location, true);
        photos.deleted(jobId);
        return location;
    }

    private void deleteEverywhere(String jobId, String location, boolean wholeSet) {
        Job job = journal.find(jobId).orElseThrow();
        if (location != null) {
            sources.of(job).deletePhotos(job, location, wholeSet);
        }
        hostedImages.discard(job.id());
        journal.storeThumbnails(job.id(), List.of());
        contactSheets.delete(job.id());
    }

    /** A run that failed: the photos are due again at the next run. */
    public void notDeleted(JobPhotos.Kept kept, String why) {
        photos.release(kept.jobId());
        LOG.warn("Photos of job {} not deleted yet ({}); trying again at the next run", kept.jobId(), why);
    }

    public void deleted(JobPhotos.Kept kept) {
        photos.deleted(kept.jobId());
        deleted.increment();
        Job job = journal.find(kept.jobId()).orElseThrow();
        LOG.info("Photos of set {} (job {}) deleted: its training ended ({}) more than {} ago"
                + " (dreamdrop.retention.photos); its results stay", job.setName(), job.id(), job.status(),
                Settings.readable(retention));
    }
}
