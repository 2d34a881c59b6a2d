package dev.dreamdrop.s3;

import dev.dreamdrop.journal.StatusChange;
import dev.dreamdrop.storage.ResultsDocuments;
import software.amazon.awssdk.core.sync.RequestBody;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The S3 storage sink: {@code <results-prefix><set>/status.json}, {@code events.jsonl}, {@code request.json}.
 * Each object is rendered whole from the journal at every change (a PUT replaces an object atomically), and
 * writes for one set are serialised, so the bucket always shows one consistent state.
 */
public class S3Results {

    private final S3Access s3;
    private final ResultsDocuments documents;

    public S3Results(S3Access s3, ResultsDocuments documents) {
        this.s3 = s3;
        this.documents = documents;
    }

    public void write(StatusChange change) {
        S3Settings settings = s3.settings();
        documents.store(change, (job, rendered) -> {
            for (Map.Entry<String, String> document : rendered.entrySet()) {
                String key = settings.resultsPrefix() + job.setName() + "/" + document.getKey();
                String type = document.getKey().endsWith(".jsonl") ? "application/x-ndjson" : "application/json";
                s3.client().putObject(b -> b.bucket(settings.bucket()).key(key).contentType(type),
                        RequestBody.fromString(document.getValue(), StandardCharsets.UTF_8));
            }
        });
    }
}
