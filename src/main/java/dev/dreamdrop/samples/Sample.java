package dev.dreamdrop.samples;

import java.util.List;

/**
 * One sample image of a job, as the journal holds it (table samples).
 *
 * @param ordinal       1, 2, ... in the order of the prompts; the file is {@code samples/01.png}...
 * @param kind          the training's kind as a manifest writes it ({@code dreambooth}, {@code lora}...)
 * @param loraBaseModel the model a LoRA is applied to; null for the Dreambooth kinds
 * @param state         planned, asking, processing, downloading (unsettled); stored, failed (settled)
 * @param generationId  the vendor's id of the generation, once it answered
 * @param outputLinks   where the vendor serves the image (its {@code output}, else its {@code future_links})
 * @param fileName      once stored: {@code 01.png}, in the format the vendor gave
 * @param error         why it failed, or what the last attempt met
 * @param attempts      attempts in the current state that met a problem
 */
public record Sample(long id, String jobId, String setName, String trainingId, int ordinal, String prompt,
                     String negativePrompt, long seed, String kind, String loraBaseModel, String state,
                     String generationId, List<String> outputLinks, String fileName, String error, int attempts) {

    public static final String PLANNED = "planned";
    public static final String ASKING = "asking";
    public static final String PROCESSING = "processing";
    public static final String DOWNLOADING = "downloading";
    public static final String STORED = "stored";
    public static final String FAILED = "failed";

    public Sample withState(String newState) {
        return new Sample(id, jobId, setName, trainingId, ordinal, prompt, negativePrompt, seed, kind, loraBaseModel,
                newState, generationId, outputLinks, fileName, error, attempts);
    }

    public boolean isStored() {
        return STORED.equals(state);
    }

    /** Where it is in the results, relative to the job's folder: {@code samples/01.png}. */
    public String path() {
        return fileName == null ? null : SampleStore.FOLDER + "/" + fileName;
    }
}
