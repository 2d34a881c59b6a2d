package dev.dreamdrop.image;

import dev.dreamdrop.journal.Job;

import java.util.List;

/** Makes a job's prepared images reachable by the training API, and stops that once the training is over. */
public interface ImageHosting {

    /** Publishes the job's {@code imageCount} prepared images and returns their links, in order. */
    List<String> publish(Job job, int imageCount);

    /** Removes whatever {@link #publish} put out; the links stop working. */
    void discard(String jobId);
}
