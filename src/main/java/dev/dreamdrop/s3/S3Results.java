package dev.dreamdrop.s3;

import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.storage.ResultsFile;
import dev.dreamdrop.storage.ResultsDocuments;

import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.Map;

/**
 * The S3 storage sink: {@code <results-prefix><set>/status.json}, {@code events.jsonl}, {@code request.json},
 * {@code model.json}, {@code photos.jpg} and {@code samples/}, and each job's under {@code <set>/jobs/<job id>/}.
 * Each object is rendered whole from the journal at every change (a PUT replaces an object atomically), and
 * writes for one set are serialised (the PUTs go out from inside the render lock), so the bucket always shows one
 * consistent state.
 */
public class S3Results {

    private final S3Access s3;
    private final S3Objects objects;
    private final ResultsDocuments documents;
    private final String resultsPrefix;

    public S3Results(S3Access s3, S3Objects objects, ResultsDocuments documents, String resultsPrefix) {
        this.s3 = s3;
        this.objects = objects;
        this.documents = documents;
        this.resultsPrefix = resultsPrefix;
    }

    public void write(StatusChange change) {
        documents.store(change, (folder, rendered) -> {
            for (Map.Entry<String, String> document : rendered.entrySet()) {
                objects.put(prefixOf(folder) + document.getKey(), document.getValue(),
                        document.getKey().endsWith(".jsonl") ? "application/x-ndjson" : "application/json");
            }
        });
    }

    /** See {@link ResultsDocuments#removeFile}. */
    public void removeFile(String jobId, String path) {
        documents.removeFile(jobId, path, (folder, file) -> objects.delete(prefixOf(folder) + file));
    }

    /** See {@link ResultsDocuments#removeEarlierJobsFiles}. */
    public void removeEarlierJobsFiles(String jobId) {
        documents.removeEarlierJobsFiles(jobId, (folder, path) -> objects.delete(prefixOf(folder) + path));
    }

    /** See {@link ResultsDocuments#removeJob}: the set's folder keeps its {@code jobs/}. */
    public void removeJob(String jobId) {
        documents.removeJob(jobId, folder -> {
            String prefix = prefixOf(folder);
            String otherJobs = prefix + ResultsDocuments.ResultsFolder.JOBS + "/";
            for (S3Object object : s3.list(prefix)) {
                if ((folder.jobFolder() != null || !object.key().startsWith(otherJobs))
                        && S3Objects.isLiteral(object.key())) {
                    objects.delete(object.key());
                }
            }
        });
    }

    public void writeFile(ResultsFile file) {
        documents.storeFile(file, (folder, path, content, type) -> objects.put(prefixOf(folder) + path, content,
                type));
    }

    private String prefixOf(ResultsDocuments.ResultsFolder folder) {
        return resultsPrefix + S3Objects.literal(folder.setName()) + "/"
                + (folder.jobFolder() == null ? "" : folder.jobFolder() + "/");
    }
}
