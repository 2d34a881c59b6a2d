package dev.dreamdrop.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.journal.Job;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What the results, emails and events say of a job's samples: the list in status.json, and model.json (the model,
 * its samples with their prompts and seeds, and how to generate more: the endpoint and fields, never the key).
 */
public class SampleDocuments {

    private final SampleStore store;
    private final String generateUrl;
    private final ObjectMapper json = new ObjectMapper();

    /** @param generateUrl the text2img endpoint, as model.json tells people to call it */
    public SampleDocuments(SampleStore store, String generateUrl) {
        this.store = store;
        this.generateUrl = generateUrl;
    }

    /** See {@link SampleStore#ofJobs}. */
    public Map<String, List<Sample>> ofJobs(List<String> jobIds) {
        return store.ofJobs(jobIds);
    }

    public List<Sample> of(String jobId) {
        return store.ofJob(jobId);
    }

    /** status.json's {@code samples}: each with its file (once stored), prompt, seed, state and why it failed. */
    public ArrayNode list(List<Sample> samples) {
        ArrayNode list = json.createArrayNode();
        for (Sample sample : samples) {
            ObjectNode entry = list.addObject();
            if (sample.isStored()) {
                entry.put("file", sample.path());
            }
            entry.put("prompt", sample.prompt()).put("seed", sample.seed()).put("state", sample.state());
            if (Sample.FAILED.equals(sample.state())) {
                entry.put("error", sample.error());
            }
        }
        return list;
    }

    /** model.json of a ready model whose samples were planned. */
    public ObjectNode model(Job job, List<Sample> samples) {
        JsonNode request = request(job);
        Sample first = samples.get(0);
        boolean lora = TrainingKind.LORA.manifestName().equals(first.kind());
        ObjectNode model = json.createObjectNode()
                .put("model_id", job.trainingId())
                .put("kind", first.kind())
                .put("base_model", lora ? first.loraBaseModel() : request.path("base_model_id").asText(null))
                .put("instance_prompt", request.path("instance_prompt").asText(null))
                .put("set", job.setName())
                .put("job_id", job.id());
        model.set("samples", list(samples));
        ObjectNode more = model.putObject("generate_more");
        more.put("endpoint", generateUrl).put("method", "POST")
                .put("note", "the prompt must contain the instance prompt's token; a model unused for 7 days must"
                        + " be reloaded first (POST /api/v6/images/model_reload with key and model_id)");
        ObjectNode body = more.putObject("body").put("key", "<your API key>");
        if (lora) {
            body.put("model_id", first.loraBaseModel()).put("lora_model", job.trainingId());
        } else {
            body.put("model_id", job.trainingId());
        }
        body.put("prompt", first.prompt()).put("negative_prompt", first.negativePrompt() == null ? ""
                : first.negativePrompt()).put("width", "512").put("height", "512").put("samples", "1")
                .put("num_inference_steps", "31").put("guidance_scale", 7.5).put("seed", String.valueOf(first.seed()));
        return model;
    }

    /** How to generate more with the model, in one line for an email: the request model.json shows in full. */
    public String howToGenerate(Job job, List<Sample> samples) {
        JsonNode body = model(job, samples).path("generate_more").path("body");
        return "POST " + generateUrl + " with the JSON " + body + " (your API key in \"key\"; the prompt must"
                + " contain the instance prompt's token)";
    }

    private JsonNode request(Job job) {
        try {
            return job.requestJson() == null ? json.createObjectNode() : json.readTree(job.requestJson());
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    /** Files of earlier jobs of the set name that its own folder may show: gone once a new job takes the folder. */
    public List<String> earlierJobsFiles(Job job) {
        return store.storedPathsOfOtherJobs(job.source(), job.setName(), job.id());
    }

    public java.util.Optional<byte[]> preview(String jobId, int ordinal) {
        return store.preview(jobId, ordinal);
    }
}
