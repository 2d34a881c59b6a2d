package dev.dreamdrop.observe;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dreamdrop.api.ApiResult;
import dev.dreamdrop.api.TrainingApi;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The training API answers and accepts the key, asked with {@code finetune_list} (which starts and costs
 * nothing). The answer is kept for a while, so that frequent health probes do not become API traffic.
 */
public class TrainingApiHealthCheck extends AbstractHealthCheck {

    private final TrainingApi api;
    private final Duration cacheFor;
    private ApiResult last;
    private Instant askedAt = Instant.EPOCH;

    public TrainingApiHealthCheck(TrainingApi api, Duration cacheFor) {
        super("dreamdrop", "training-api");
        this.api = api;
        this.cacheFor = cacheFor;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        ApiResult result = answer();
        builder.detail("base_url", api.baseUrl());
        switch (result.outcome()) {
            case SUCCESS -> builder.up();
            case PERMANENT -> builder.down().message("the training API refuses the key: " + result.message());
            default -> builder.down().message("the training API cannot be reached: " + result.message());
        }
    }

    private synchronized ApiResult answer() {
        if (last == null || askedAt.plus(cacheFor).isBefore(Instant.now())) {
            last = api.call("/api/v3/finetune_list", JsonNodeFactory.instance.objectNode());
            askedAt = Instant.now();
        }
        return last;
    }
}
