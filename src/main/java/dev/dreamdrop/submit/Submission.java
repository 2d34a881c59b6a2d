package dev.dreamdrop.submit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dreamdrop.api.ApiRequest;

/** A training request journalled as submitting, on its way to the API: the endpoint and the payload, keyless. */
public record Submission(String jobId, String setName, String endpoint, ObjectNode payload) {

    public ApiRequest request() {
        return new ApiRequest(endpoint, payload);
    }
}
