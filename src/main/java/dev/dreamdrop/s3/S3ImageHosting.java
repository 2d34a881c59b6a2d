package dev.dreamdrop.s3;

import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Job;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.util.ArrayList;
import java.util.List;

/**
 * Hosting on S3: the prepared images are uploaded under the prepared prefix and handed to the API as presigned
 * GET links, valid for {@code dreamdrop.s3.link-lifetime}. For sets whose host the API cannot reach.
 */
public class S3ImageHosting implements ImageHosting {

    private final S3Access s3;
    private final S3Objects objects;
    private final PreparedImages prepared;

    public S3ImageHosting(S3Access s3, S3Objects objects, PreparedImages prepared) {
        this.s3 = s3;
        this.objects = objects;
        this.prepared = prepared;
    }

    @Override
    public List<String> publish(Job job, int imageCount) {
        S3Settings settings = s3.settings();
        List<String> links = new ArrayList<>();
        for (int i = 0; i < imageCount; i++) {
            String key = settings.preparedPrefix() + job.id() + "/" + PreparedImages.fileName(i);
            objects.put(key, prepared.file(job.id(), i).toFile(), "image/jpeg");
            links.add(objects.downloadLink(key, settings.linkLifetime()));
        }
        return links;
    }

    @Override
    public void discard(String jobId) {
        for (S3Object object : s3.list(s3.settings().preparedPrefix() + jobId + "/")) {
            objects.delete(object.key());
        }
    }
}
