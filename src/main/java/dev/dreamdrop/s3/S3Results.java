package dev.dreamdrop.s3;

import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.storage.ResultsDocuments;

import java.util.Map;

/**
 * The S3 storage sink: {@code <results-prefix><set>/status.json}, {@code events.jsonl}, {@code request.json}.
 * Each object is rendered whole from the journal at every change (a PUT replaces an object atomically), and
 * writes for one set are serialised (the PUTs go out from inside the render lock), so the bucket always shows one
 * consistent state.
 */
public class S3Results {

    private final S3Objects objects;
    private final ResultsDocuments documents;
    private final String resultsPrefix;

    public S3Results(S3Objects objects, ResultsDocuments documents, String resultsPrefix) {
        this.objects = objects;
        this.documents = documents;
        this.resultsPrefix = resultsPrefix;
    }

    public void write(StatusChange change) {
        documents.store(change, (folder, rendered) -> {
            String prefix = resultsPrefix + S3Objects.literal(folder.setName()) + "/"
                    + (folder.jobFolder() == null ? "" : folder.jobFolder() + "/");
            for (Map.Entry<String, String> document : rendered.entrySet()) {
                String type = document.getKey().endsWith(".jsonl") ? "application/x-ndjson" : "application/json";
                objects.put(prefix + document.getKey(), document.getValue(), type);
            }
        });
    }
}
