package dev.dreamdrop.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.ProducerTemplate;

/**
 * For the beans that ask the API something in the middle of their work (a webhook's confirmation, an operator's
 * cancel, the health check): each call goes through the one route that calls the training API,
 * {@code direct:call-the-training-api}, and comes back judged. The routes that call the API themselves (the
 * submission, the status polls) go to that route directly.
 */
public class TrainingApi {

    public static final String CALL_ROUTE = "direct:call-the-training-api";

    private final ProducerTemplate producer;
    private final String baseUrl;

    public TrainingApi(ProducerTemplate producer, String baseUrl) {
        this.producer = producer;
        this.baseUrl = baseUrl;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** POSTs {@code fields} (the key is added by the route) to {@code path}, once. */
    public ApiResult call(String path, ObjectNode fields) {
        return producer.requestBody(CALL_ROUTE, new ApiRequest(path, fields), ApiResult.class);
    }

    public ApiResult trainingStatus(String trainingId, String submittedTo) {
        return call(statusPath(trainingId, submittedTo), JsonNodeFactory.instance.objectNode());
    }

    /**
     * {@code fine_tune_status/{id}}, asked where the training was submitted: a training of the vendor's sandbox
     * is known only to the sandbox's status endpoint.
     *
     * @param submittedTo the path the training request went to (null for jobs journalled before it was kept)
     */
    private static String statusPath(String trainingId, String submittedTo) {
        String prefix = submittedTo != null && submittedTo.startsWith("/api/sandbox/") ? "/api/sandbox/v3/" : "/api/v3/";
        return prefix + "fine_tune_status/" + trainingId;
    }
}
