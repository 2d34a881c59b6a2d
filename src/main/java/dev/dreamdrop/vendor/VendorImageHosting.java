package dev.dreamdrop.vendor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiRequest;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Hosting on the training API's own storage, for hosts the API cannot reach and owners without a bucket: each
 * prepared photo is uploaded with {@code base64_crop} (a data URL, {@code crop: "false"}: DreamDrop cut it already)
 * by the submission route, through the one route that calls the API, and the links it answers are the training's
 * images. The uploads are journalled ({@link VendorUploads}) and deleted with {@code delete_image} once the training
 * has ended (routes/vendor-uploads.camel.yaml).
 */
public class VendorImageHosting implements ImageHosting {

    public static final String UPLOAD_PATH = "/api/v3/base64_crop";
    public static final String DELETE_PATH = "/api/v3/delete_image";
    /** What base64_crop takes, per image. */
    public static final long MAX_IMAGE_BYTES = 5L * 1024 * 1024;

    private final VendorUploads uploads;
    private final PreparedImages prepared;

    public VendorImageHosting(VendorUploads uploads, PreparedImages prepared) {
        this.uploads = uploads;
        this.prepared = prepared;
    }

    /** One photo of a job to upload: the call of base64_crop that uploads it. */
    public record PhotoUpload(String jobId, int photo, ApiRequest request) {

        public String fileName() {
            return PreparedImages.fileName(photo);
        }
    }

    /**
     * No links yet: they are what the uploads answer, and the submission route makes them before the training
     * request goes out. The request is journalled with its images empty until then.
     */
    @Override
    public List<String> publish(Job job, int imageCount) {
        return List.of();
    }

    /** Nothing to do here: the uploads are deleted from the journal, durably, once the training has ended. */
    @Override
    public void discard(String jobId) {
    }

    /** The next photo of a vendor-hosted job that has no upload journalled, or null when all have one. */
    public PhotoUpload nextUpload(Job job) {
        Map<Integer, String> uploaded = uploads.links(job.id());
        for (int photo = 0; photo < job.imageCount(); photo++) {
            if (!uploaded.containsKey(photo)) {
                return new PhotoUpload(job.id(), photo, uploadRequest(prepared.file(job.id(), photo)));
            }
        }
        return null;
    }

    /**
     * The links of a job's photos in order, once every one is uploaded; null while one is missing.
     */
    public List<String> links(Job job) {
        Map<Integer, String> uploaded = uploads.links(job.id());
        List<String> links = new ArrayList<>();
        for (int photo = 0; photo < job.imageCount(); photo++) {
            String link = uploaded.get(photo);
            if (link == null) {
                return null;
            }
            links.add(link);
        }
        return links;
    }

    /**
     * Journals a successful upload. The API must have answered the link and the id that deletes it: a photo that
     * could not be deleted later is not used. @return whether it was journalled
     */
    public boolean uploaded(PhotoUpload upload, ApiResult result) {
        JsonNode body = result.body();
        String link = body.path("link").asText("");
        JsonNode requestId = body.path("request_id");
        if (!link.startsWith("http") || requestId.isMissingNode() || requestId.isNull()
                || requestId.asText().isBlank()) {
            return false;
        }
        uploads.record(upload.jobId(), upload.photo(), link, requestId.asText());
        return true;
    }

    /** The call of delete_image for an upload: its request id as the JSON integer the API documents. */
    public ApiRequest deleteRequest(VendorUploads.Upload upload) {
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        String id = upload.requestId();
        if (id.chars().allMatch(Character::isDigit) && id.length() < 19) {
            fields.put("request_id", Long.parseLong(id));
        } else {
            fields.put("request_id", id);
        }
        fields.put("type", "image");
        return new ApiRequest(DELETE_PATH, fields);
    }

    /** A prepared photo to upload is not on this instance. */
    public static final class PhotoMissing extends RuntimeException {
        PhotoMissing(String message) {
            super(message, null, false, false);
        }
    }

    private static ApiRequest uploadRequest(Path photo) {
        byte[] jpeg;
        try {
            jpeg = Files.readAllBytes(photo);
        } catch (NoSuchFileException e) {
            // the prepared photos are local: a replica that took over a half-uploaded set has none
            throw new PhotoMissing("Photo " + photo.getFileName() + " of this set is not on this instance (the"
                    + " replica that prepared the set stopped in the middle of its uploads); nothing was trained."
                    + " Retry the set (dashboard or POST /api/jobs/<id>/retry) to prepare it again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the prepared photo " + photo, e);
        }
        if (jpeg.length > MAX_IMAGE_BYTES) {
            // prepared photos are 512x512 JPEGs, far below this; checked so that the API is never sent what it refuses
            throw new IllegalStateException("the prepared photo " + photo + " is " + jpeg.length + " bytes, over the"
                    + " 5 MB the training API takes");
        }
        ObjectNode fields = JsonNodeFactory.instance.objectNode()
                .put("image", "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg))
                .put("crop", "false");
        return new ApiRequest(UPLOAD_PATH, fields);
    }
}
