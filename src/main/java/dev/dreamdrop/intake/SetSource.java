package dev.dreamdrop.intake;

import dev.dreamdrop.journal.Job;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Where sets come from (the inbox folder, an S3 bucket), and where they go once submitted or rejected. */
public interface SetSource {

    /** The set's files on local disk, to be checked and prepared; null when the set is no longer there. */
    Path localCopy(Job job);

    /** The set leaves the inbox for the archive; called once its request is journalled. */
    void archive(Job job);

    /** The set goes to the failed place, with an errors.json beside it, from wherever it is now. */
    void reject(Job job, List<SetProblem> problems);

    /**
     * An operator's retry: the set goes back into the inbox (without its errors.json) from the failed place or
     * the archive, to be claimed as a new job. Returns false when the set is found in neither.
     */
    boolean restore(Job job);

    /**
     * Deletes the set's photos for good from {@code location}, where it was archived or moved to the failed place,
     * and any local copy of it. Its manifest and errors.json stay, unless {@code wholeSet} (an erasure): then
     * nothing of the set stays.
     */
    void deletePhotos(Job job, String location, boolean wholeSet);

    /** What stays of a set whose photos are deleted: everything in it that is not a photo. */
    Set<String> KEPT_FILES = Set.of("READY", "errors.json", "training.yaml", "training.yml", "training.json");
}
