package dev.dreamdrop.config;

import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.net.ReceiverPolicy;
import dev.dreamdrop.vendor.VendorImageHosting;
import dev.dreamdrop.vendor.VendorUploads;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How the prepared photos reach the training API ({@code dreamdrop.images.hosting}) and how DreamDrop hears of a
 * training's progress: decided once at start-up, said in one log line each, and the beans of vendor hosting.
 */
final class ImageHostingConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(ImageHostingConfiguration.class);

    enum Hosting { SELF, S3, VENDOR }

    private ImageHostingConfiguration() {
    }

    /**
     * {@code auto}: S3 presigned links when a bucket is configured, else DreamDrop's own server when it has a public
     * URL, else the vendor's storage.
     */
    static Hosting choose(Settings settings, String publicUrl) {
        String configured = settings.oneOf("dreamdrop.images.hosting", "auto", "self", "s3", "vendor");
        boolean bucket = !settings.text("dreamdrop.s3.bucket").isEmpty();
        Hosting hosting;
        String why;
        switch (configured) {
            case "self" -> {
                if (publicUrl.isEmpty()) {
                    throw new IllegalArgumentException("Configuration key dreamdrop.images.hosting is self, but"
                            + " dreamdrop.public-url is empty: the training API would have no link to fetch the photos"
                            + " from. Set the public URL, or use hosting auto, s3 or vendor");
                }
                hosting = Hosting.SELF;
                why = "dreamdrop.images.hosting=self";
            }
            case "s3" -> {
                hosting = Hosting.S3;
                why = "dreamdrop.images.hosting=s3";
            }
            case "vendor" -> {
                hosting = Hosting.VENDOR;
                why = "dreamdrop.images.hosting=vendor";
            }
            default -> {
                hosting = bucket ? Hosting.S3 : publicUrl.isEmpty() ? Hosting.VENDOR : Hosting.SELF;
                why = "dreamdrop.images.hosting=auto, " + (bucket ? "an S3 bucket is configured"
                        : publicUrl.isEmpty() ? "no S3 bucket and no dreamdrop.public-url"
                        : "no S3 bucket, and dreamdrop.public-url is set");
            }
        }
        LOG.info("Photo hosting: {} ({}): {}", hosting.name().toLowerCase(Locale.ROOT), why, switch (hosting) {
            case SELF -> "the training API downloads the photos from " + publicUrl + "/images/...";
            case S3 -> "the training API downloads the photos from presigned S3 links";
            case VENDOR -> "each photo is uploaded to the training API's own storage (base64_crop), and deleted from"
                    + " it when the training ends";
        });
        return hosting;
    }

    /**
     * Without a public URL the API cannot post webhooks: every running training is asked for its status at each
     * poll. With one, polling is the backstop for webhooks that do not come.
     *
     * @return how long a training may go without news before it is polled
     */
    static Duration pollQuietAfter(Settings settings, String publicUrl, boolean realKey) {
        Duration interval = settings.duration("dreamdrop.poll.interval");
        if (publicUrl.isEmpty()) {
            LOG.info("Training status: no dreamdrop.public-url, so no webhooks; every running training is asked for its"
                    + " status every {} (dreamdrop.poll.interval)", Settings.readable(interval));
            // half the interval: each poll finds every training due, and replicas still take turns
            return interval.dividedBy(2);
        }
        if (realKey && !isPublic(URI.create(publicUrl).getHost())) {
            LOG.warn("dreamdrop.public-url is {}: the hosted training API cannot reach that address, so its webhooks"
                    + " (and self-hosted photo links) will not arrive. Set the URL the internet reaches DreamDrop at,"
                    + " or leave it empty to train without webhooks", publicUrl);
        }
        Duration quietAfter = settings.duration("dreamdrop.poll.quiet-after");
        LOG.info("Training status: webhooks at {}/webhook/...; a training with no news for {} is asked for its status",
                publicUrl, Settings.readable(quietAfter));
        return quietAfter;
    }

    /**
     * Whether a host named in a URL can be public, as {@link ReceiverPolicy} judges a set's: names are not resolved
     * here, this is a hint at start-up.
     */
    static boolean isPublic(String host) {
        return host != null && !host.isEmpty()
                && ReceiverPolicy.withoutNameResolution().refusal("http://" + host + "/") == null;
    }

    /** The journal of the photos on the vendor's storage, and the hosting that uploads them. */
    record Vendor(VendorUploads uploads, VendorImageHosting hosting) {
    }

    /** Vendor hosting's beans, bound for the routes. */
    static Vendor vendorHosting(Settings settings, Registry registry, DataSource dataSource,
                                            Reservations reservations, PreparedImages prepared, MeterRegistry metrics) {
        VendorUploads uploads = new VendorUploads(dataSource, reservations,
                settings.integer("dreamdrop.images.vendor.delete-max-attempts"),
                new Backoff(settings.duration("dreamdrop.images.vendor.delete-retry-initial-delay"),
                        settings.duration("dreamdrop.images.vendor.delete-retry-max-delay")));
        for (String state : List.of("pending", "deleted", "parked")) {
            Gauge.builder("dreamdrop.vendor.uploads", uploads, u -> u.countByState().getOrDefault(state, 0L))
                    .tag("state", state).description("Photos uploaded to the training API's storage: pending (there"
                            + " now), deleted, parked (deletion given up, for an operator)").register(metrics);
        }
        VendorImageHosting hosting = new VendorImageHosting(uploads, prepared);
        registry.bind("vendorUploads", uploads);
        registry.bind("vendorImageHosting", hosting);
        return new Vendor(uploads, hosting);
    }
}
