package dev.dreamdrop.intake;

import dev.dreamdrop.journal.Job;

import java.nio.file.Path;
import java.util.List;

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
}
