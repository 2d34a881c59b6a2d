package dev.dreamdrop.intake;

import java.util.List;

/**
 * A claimed set after validation and image preparation: either ready to submit (no problems) or to be
 * rejected with every problem found.
 */
public record PreparedSet(String jobId, String setName, TrainingSettings settings, int imageCount,
                          List<SetProblem> problems) {

    public boolean isRejected() {
        return !problems.isEmpty();
    }
}
