package dev.dreamdrop.config;

import dev.dreamdrop.events.EventOutbox;
import dev.dreamdrop.image.HostedImages;
import dev.dreamdrop.intake.ContactSheets;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.mail.MailOutbox;
import dev.dreamdrop.retention.ErasureSteps;
import dev.dreamdrop.retention.Erasures;
import dev.dreamdrop.retention.JobPhotos;
import dev.dreamdrop.retention.PhotoRetention;
import dev.dreamdrop.retention.ResultsRetention;
import dev.dreamdrop.samples.SampleStore;
import dev.dreamdrop.vendor.VendorUploads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.spi.Registry;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.List;

/**
 * The beans of what DreamDrop keeps and for how long (dreamdrop.retention.*) and of erasures (dreamdrop.erase.*),
 * bound for routes/retention.camel.yaml and routes/erase.camel.yaml.
 */
final class RetentionConfiguration {

    private RetentionConfiguration() {
    }

    /** Made before the results sinks, which never write the results of a job whose erasure has begun. */
    static Erasures erasures(Settings settings, DataSource dataSource, Journal journal, Reservations reservations,
                             VendorUploads uploads) {
        return new Erasures(dataSource, journal, reservations,
                jobId -> uploads.countOf(jobId).getOrDefault("undeleted", 0L).intValue(),
                settings.integer("dreamdrop.erase.max-attempts"),
                new Backoff(settings.duration("dreamdrop.erase.retry-initial-delay"),
                        settings.duration("dreamdrop.erase.retry-max-delay")));
    }

    record Stores(JobPhotos photos, VendorUploads uploads, MailOutbox mails, SampleStore samples,
                  EventOutbox events) {
    }

    static void bind(Settings settings, Registry registry, Erasures erasures, Journal journal, Stores stores,
                     SetSources sources, HostedImages hostedImages, ContactSheets contactSheets, MeterRegistry metrics) {
        PhotoRetention photoRetention = new PhotoRetention(stores.photos(), journal, sources, hostedImages,
                contactSheets, optionalDuration(settings, "dreamdrop.retention.photos"), metrics);
        registry.bind("photoRetention", photoRetention);
        registry.bind("resultsRetention", new ResultsRetention(erasures,
                optionalDuration(settings, "dreamdrop.retention.results")));
        registry.bind("erasures", erasures);
        registry.bind("erasureSteps", new ErasureSteps(erasures, journal, photoRetention, stores.uploads(),
                stores.mails(), stores.samples(), stores.events(), metrics));
        for (String state : List.of("pending", "parked", "done")) {
            Gauge.builder("dreamdrop.erasures", erasures, e -> e.countByState().getOrDefault(state, 0L))
                    .tag("state", state).description("Erasures of jobs by state (pending: under way)")
                    .register(metrics);
        }
    }

    /** Empty: kept. */
    private static Duration optionalDuration(Settings settings, String key) {
        return settings.text(key).isEmpty() ? null : settings.duration(key);
    }
}
