package dev.dreamdrop.retention;

import java.util.List;

/**
 * An erasure due to be worked on: its job, the steps still to do, in order (see {@link Erasures#STEPS}), and how
 * often it has failed so far.
 */
public record Erasure(String jobId, String scope, String trainingId, List<String> todo, int attempts) {

    /** Whether {@code step} is still to be done (the routes' filters ask). */
    public boolean needs(String step) {
        return todo.contains(step);
    }
}
