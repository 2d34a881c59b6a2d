package dev.dreamdrop.retention;

import java.time.Duration;
import java.time.Instant;

/**
 * Results kept only as long as wanted (dreamdrop.retention.results): this long after a job's training ended (any
 * final status), an erasure of its results is asked for. Empty, the default, keeps them.
 */
public class ResultsRetention {

    private final Erasures erasures;
    private final Duration retention;

    /** @param retention null: results are kept */
    public ResultsRetention(Erasures erasures, Duration retention) {
        this.erasures = erasures;
        this.retention = retention;
    }

    public int askForWhatIsDue() {
        return retention == null ? 0 : erasures.requestResultsEndedBefore(Instant.now().minus(retention));
    }
}
