package dev.dreamdrop.config;

import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.samples.SampleDocuments;
import dev.dreamdrop.samples.SampleGenerations;
import dev.dreamdrop.samples.SamplePlans;
import dev.dreamdrop.samples.SampleStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.spi.Registry;

import javax.sql.DataSource;
import java.util.Arrays;
import java.util.List;

/** The beans of sample images at model_ready (dreamdrop.samples.*), bound for routes/generate-samples.camel.yaml. */
final class SamplesConfiguration {

    private SamplesConfiguration() {
    }

    record Samples(SampleStore store, SamplePlans plans, SampleDocuments documents) {
    }

    static Samples samples(Settings settings, Registry registry, DataSource dataSource, Reservations reservations,
                           Journal journal, String apiBaseUrl, MeterRegistry metrics) {
        int concurrency = settings.integer("dreamdrop.samples.concurrency");
        int count = settings.integer("dreamdrop.samples.count");
        if (concurrency < 1 || count < 0) {
            throw new IllegalArgumentException("Configuration keys dreamdrop.samples.concurrency (at least 1) and"
                    + " dreamdrop.samples.count (0 = no samples) are out of range");
        }
        SampleStore store = new SampleStore(dataSource, reservations, concurrency);
        // templates hold commas: they are separated by |
        List<String> templates = Arrays.stream(settings.text("dreamdrop.samples.prompts").split("\\|"))
                .map(String::trim).filter(t -> !t.isEmpty()).toList();
        SamplePlans plans = new SamplePlans(store, count, templates, settings.text("dreamdrop.samples.negative-prompt"),
                settings.longValue("dreamdrop.samples.seed"), settings.text("dreamdrop.samples.lora-base-model"),
                settings.text("dreamdrop.samples.lora-sdxl-base-model"));
        String generatePath = settings.text("dreamdrop.samples.generate-path");
        registry.bind("sampleStore", store);
        registry.bind("sampleGenerations", new SampleGenerations(store, journal, generatePath,
                settings.text("dreamdrop.samples.fetch-path"), settings.text("dreamdrop.samples.lora-strength"),
                settings.duration("dreamdrop.samples.deadline"),
                new Backoff(settings.duration("dreamdrop.samples.retry-initial-delay"),
                        settings.duration("dreamdrop.samples.retry-max-delay"))));
        for (String state : List.of("planned", "asking", "processing", "downloading", "stored", "failed")) {
            Gauge.builder("dreamdrop.samples", store, s -> s.countByState().getOrDefault(state, 0L)).tag("state", state)
                    .description("Sample images of trained models by state").register(metrics);
        }
        return new Samples(store, plans, new SampleDocuments(store, apiBaseUrl + generatePath));
    }
}
