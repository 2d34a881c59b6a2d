package dev.dreamdrop.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A call of the training API as the callers see it: the path (e.g. {@code /api/v3/fine_tune}) and the fields of
 * its JSON body. The key is not among them: the call route adds it right before the POST.
 */
public record ApiRequest(String path, ObjectNode fields) {
}
