package dev.dreamdrop.intake;

import java.util.List;

/**
 * What a set asks for, its manifest merged over the configured defaults, in the API's own terms.
 *
 * @param maxTrainSteps null to use the API's rule: 2 x the number of images, at most 2000
 * @param seed          null for a random seed
 * @param notifyStatuses statuses that send email for this set, or null for the configured ones
 */
public record TrainingSettings(String instancePrompt, String classPrompt, String baseModelId, String trainingType,
                               Integer maxTrainSteps, String seed, List<String> notifyEmail,
                               List<String> notifyStatuses) {
}
