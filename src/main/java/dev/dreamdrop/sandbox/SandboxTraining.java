package dev.dreamdrop.sandbox;

import java.util.ArrayList;
import java.util.List;

/** A training the sandbox is running: where it is, its log, and where its webhooks go. */
final class SandboxTraining {

    final String id;
    final String apiKey;
    final String endpoint;
    final List<String> images;
    final String webhookUrl;
    /** Index into the training steps, or -1 once failed or cancelled. */
    int step;
    String status;
    boolean failed;
    boolean cancelled;
    boolean deleted;
    /** The step at which this training fails on purpose, or null. */
    String failAt;
    /** The step at which this training stops advancing on purpose, or null. */
    String stallAt;
    final List<String> log = new ArrayList<>();
    /** The first photo the sandbox fetched for this training: what its sample pictures are drawn from. */
    volatile java.awt.image.BufferedImage firstPhoto;
    /** A webhook body held back by {@link WebhookFault#REORDER}, sent after the next one. */
    PendingWebhook heldBack;

    SandboxTraining(String id, String apiKey, String endpoint, List<String> images, String webhookUrl) {
        this.id = id;
        this.apiKey = apiKey;
        this.endpoint = endpoint;
        this.images = images;
        this.webhookUrl = webhookUrl;
    }

    boolean isFinished() {
        return failed || cancelled || "model_ready".equals(status);
    }

    record PendingWebhook(String trainingStatus, String body) {
    }
}
