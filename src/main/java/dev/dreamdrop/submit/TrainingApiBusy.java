package dev.dreamdrop.submit;

import dev.dreamdrop.api.ApiResult;

/**
 * The API did not take a submission but may later (rate limit, 5xx, no connection, "Failed, Try Again"): thrown
 * for Camel to redeliver the attempt (routes/submit.camel.yaml). The message is the API's own words, never the
 * request.
 */
public class TrainingApiBusy extends RuntimeException {

    private final transient ApiResult result;

    public TrainingApiBusy(ApiResult result) {
        super(result.message(), null, false, false);
        this.result = result;
    }

    public ApiResult result() {
        return result;
    }
}
