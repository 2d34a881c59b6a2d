package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiRequest;

/** A training request journalled as submitting, on its way to the API: the endpoint and the payload, keyless. */
public record Submission(String jobId, String setName, String endpoint, ObjectNode payload) {

    public ApiRequest request() {
        return new ApiRequest(endpoint, payload);
    }

    /** Its photos go to the vendor's storage, and the links their uploads answer are not in the request yet. */
    public boolean awaitsImageLinks() {
        return payload.path("images").isEmpty();
    }
}
