package dev.dreamdrop.api;

import java.util.List;
import java.util.Set;

/**
 * The statuses a job goes through: DreamDrop's own intake states, the eight training statuses the
 * API documents (in order), and the terminal states the API does not document but DreamDrop needs.
 * A job only ever moves forward in {@link #rank(String)}; terminal statuses are final.
 */
public final class TrainingStatus {

    /** The API's documented training statuses, in the order a training walks through them. */
    public static final List<String> TRAINING_STEPS = List.of(
            "deploying_gpu", "training_started", "training_success", "trained_model_compressing",
            "trained_model_uploading", "trained_model_uploaded", "deploying_model", "model_ready");

    public static final String CLAIMED = "claimed";
    public static final String SUBMITTING = "submitting";
    public static final String UNKNOWN_OUTCOME = "unknown_outcome";
    public static final String REJECTED = "rejected";
    public static final String MODEL_READY = "model_ready";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    public static final String TIMED_OUT = "timed_out";
    /**
     * Not a status of the job but news of it: the sample images of a ready model are settled (stored, or given up).
     * Recorded by DreamDrop alone (source {@link #SAMPLES_SOURCE}), it changes no job and is told to every sink.
     */
    public static final String SAMPLES_READY = "samples_ready";
    public static final String SAMPLES_SOURCE = "samples";
    /**
     * News of the job too: everything DreamDrop kept of it was erased on request (source {@link #ERASURE_SOURCE}),
     * as were the model and photos at the training API. The job's status stays what it was.
     */
    public static final String ERASED = "erased";
    public static final String ERASURE_SOURCE = "erasure";

    /** Every status a job can have: DreamDrop's own and the API's, in the order of progress. */
    public static final List<String> ALL = List.of(CLAIMED, SUBMITTING, UNKNOWN_OUTCOME, "deploying_gpu",
            "training_started", "training_success", "trained_model_compressing", "trained_model_uploading",
            "trained_model_uploaded", "deploying_model", MODEL_READY, FAILED, CANCELLED, TIMED_OUT, REJECTED);

    /** The statuses a training ends in (a rejected set's too): final, and what the retentions and clean-ups wait for. */
    public static final List<String> ENDED = List.of(MODEL_READY, FAILED, CANCELLED, TIMED_OUT, REJECTED);

    private static final Set<String> TERMINAL = Set.copyOf(ENDED);

    /**
     * Every status a job can have before its training ended. A job only ever has a status of {@link #ALL} (unknown
     * strings are recorded, never applied), so a query can name these rather than exclude the terminal ones, which
     * an index serves.
     */
    public static final List<String> UNFINISHED = ALL.stream().filter(status -> !TERMINAL.contains(status)).toList();

    private TrainingStatus() {
    }

    /** Whether an event is DreamDrop's own news of a job, which changes no job but is told to every sink. */
    public static boolean isOwnNews(String status, String source) {
        return SAMPLES_READY.equals(status) && SAMPLES_SOURCE.equals(source)
                || ERASED.equals(status) && ERASURE_SOURCE.equals(source);
    }

    public static boolean isTerminal(String status) {
        return TERMINAL.contains(status);
    }

    public static boolean isTrainingStep(String status) {
        return TRAINING_STEPS.contains(status);
    }

    /** 1-based step number of a training status (1..8), or 0 for anything else. */
    public static int step(String status) {
        return TRAINING_STEPS.indexOf(status) + 1;
    }

    /**
     * Progress order used to refuse regressions. Unknown strings rank with {@code unknown_outcome}
     * so that they are recorded but never move a training job backwards or forwards.
     */
    public static int rank(String status) {
        if (status == null) {
            return -1;
        }
        switch (status) {
            case CLAIMED:
                return 0;
            case SUBMITTING:
                return 1;
            case UNKNOWN_OUTCOME:
                return 2;
            default:
                if (isTerminal(status)) {
                    return 100;
                }
                int step = step(status);
                return step == 0 ? 2 : 10 + step;
        }
    }
}
