package dev.dreamdrop.s3;

import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Job;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.ArrayList;
import java.util.List;

/**
 * Hosting on S3: the prepared images are uploaded under the prepared prefix and handed to the API as presigned
 * GET links, valid for {@code dreamdrop.s3.link-lifetime}. For sets whose host the API cannot reach.
 */
public class S3ImageHosting implements ImageHosting {

    private final S3Access s3;
    private final PreparedImages prepared;

    public S3ImageHosting(S3Access s3, PreparedImages prepared) {
        this.s3 = s3;
        this.prepared = prepared;
    }

    @Override
    public List<String> publish(Job job, int imageCount) {
        S3Settings settings = s3.settings();
        List<String> links = new ArrayList<>();
        for (int i = 0; i < imageCount; i++) {
            String key = settings.preparedPrefix() + job.id() + "/" + PreparedImages.fileName(i);
            s3.client().putObject(b -> b.bucket(settings.bucket()).key(key).contentType("image/jpeg"),
                    RequestBody.fromFile(prepared.file(job.id(), i)));
            links.add(s3.presigner().presignGetObject(p -> p.signatureDuration(settings.linkLifetime())
                    .getObjectRequest(g -> g.bucket(settings.bucket()).key(key))).url().toString());
        }
        return links;
    }

    @Override
    public void discard(String jobId) {
        S3Settings settings = s3.settings();
        for (S3Object object : s3.client().listObjectsV2Paginator(b -> b.bucket(settings.bucket())
                .prefix(settings.preparedPrefix() + jobId + "/")).contents()) {
            s3.client().deleteObject(b -> b.bucket(settings.bucket()).key(object.key()));
        }
    }
}
