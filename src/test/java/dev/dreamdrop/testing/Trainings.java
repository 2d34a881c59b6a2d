package dev.dreamdrop.testing;

import dev.dreamdrop.api.TrainingStatus;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.sandbox.WebhookDelivery;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Drives the sandbox's trainings (manual clock) and counts what reached people. */
public final class Trainings {

    private Trainings() {
    }

    /**
     * Moves every training of the sandbox through its remaining statuses to model_ready, all trainings at once, each
     * webhook delivered (and answered) before the next of its training; returns when every answer is in.
     */
    public static void finishAllAtOnce(TrainingApiSandbox sandbox) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (String training : sandbox.trainingIds()) {
                running.add(threads.submit(() -> {
                    for (int step = 1; step < TrainingStatus.TRAINING_STEPS.size(); step++) {
                        sandbox.advance(training);
                    }
                }));
            }
            for (Future<?> training : running) {
                training.get();
            }
        } finally {
            threads.shutdown();
        }
    }

    /** Webhook deliveries that did not get a 2xx. */
    public static List<WebhookDelivery> unacknowledged(TrainingApiSandbox sandbox) {
        return sandbox.webhooks().stream().filter(d -> d.httpStatus() < 200 || d.httpStatus() > 299).toList();
    }

    /** How many emails each recipient got. */
    public static Map<String, Integer> emailsPerRecipient(MimeMessage[] messages) throws MessagingException {
        Map<String, Integer> counts = new TreeMap<>();
        for (MimeMessage message : messages) {
            for (Address to : message.getAllRecipients()) {
                counts.merge(to.toString(), 1, Integer::sum);
            }
        }
        return counts;
    }
}
