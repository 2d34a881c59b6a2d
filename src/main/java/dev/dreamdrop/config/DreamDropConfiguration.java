package dev.dreamdrop.config;

import dev.dreamdrop.api.TrainingApi;
import dev.dreamdrop.config.ImageHostingConfiguration.Hosting;
import dev.dreamdrop.api.TrainingApiAnswers;
import dev.dreamdrop.api.TrainingKind;
import dev.dreamdrop.events.EventOutbox;
import dev.dreamdrop.events.StatusEvents;
import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.intake.ContactSheets;
import dev.dreamdrop.intake.FolderInbox;
import dev.dreamdrop.intake.InboxWatcher;
import dev.dreamdrop.intake.ManifestReader;
import dev.dreamdrop.intake.SetFolders;
import dev.dreamdrop.intake.SetPreparation;
import dev.dreamdrop.intake.TrainingSettings;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.retention.JobPhotos;
import dev.dreamdrop.retention.Erasures;
import dev.dreamdrop.samples.SampleDocuments;
import dev.dreamdrop.journal.JournalStartup;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.image.HostedImages;
import dev.dreamdrop.image.ImageHosting;
import dev.dreamdrop.intake.RestartRecovery;
import dev.dreamdrop.intake.SetSource;
import dev.dreamdrop.intake.SetSources;
import dev.dreamdrop.observe.DreamDropMetrics;
import dev.dreamdrop.observe.InboxHealthCheck;
import dev.dreamdrop.observe.JournalHealthCheck;
import dev.dreamdrop.observe.PhotoLinksHealthCheck;
import dev.dreamdrop.observe.S3HealthCheck;
import dev.dreamdrop.observe.StatusOutboxHealthCheck;
import dev.dreamdrop.observe.TrainingApiHealthCheck;
import dev.dreamdrop.poll.StatusPoller;
import io.micrometer.core.instrument.MeterRegistry;
import dev.dreamdrop.s3.S3Access;
import dev.dreamdrop.s3.S3ImageHosting;
import dev.dreamdrop.s3.S3Inbox;
import dev.dreamdrop.s3.S3Objects;
import dev.dreamdrop.s3.S3Results;
import dev.dreamdrop.s3.S3Settings;
import dev.dreamdrop.storage.FolderResults;
import dev.dreamdrop.storage.ResultsDocuments;
import dev.dreamdrop.submit.PhotoLinkCheck;
import dev.dreamdrop.submit.RetryPolicy;
import dev.dreamdrop.submit.SubmissionRetryWaits;
import dev.dreamdrop.submit.TrainingSubmitter;
import dev.dreamdrop.webhook.WebhookReceiver;
import dev.dreamdrop.webhook.WebhookSignatures;
import dev.dreamdrop.mail.MailOutbox;
import dev.dreamdrop.mail.MailSettings;
import dev.dreamdrop.mail.StatusEmails;
import dev.dreamdrop.journal.Reservations;
import dev.dreamdrop.journal.StatusOutbox;
import dev.dreamdrop.operate.OperatorApi;
import dev.dreamdrop.operate.OperatorHttp;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * Builds DreamDrop's beans from configuration and binds them under the names the routes use. When no API key
 * is configured, starts the training API sandbox and points DreamDrop at it (sandbox mode).
 */
public class DreamDropConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(DreamDropConfiguration.class);

    @Override
    public void configure(CamelContext context) {
        Settings settings = new Settings(context.getPropertiesComponent());
        Registry registry = context.getRegistry();

        DataSource dataSource = dataSource(context, settings);
        String instanceId = instanceId(settings);
        Journal journal = new Journal(dataSource, instanceId);
        Reservations reservations = new Reservations(instanceId, settings.duration("dreamdrop.replicas.lease"));
        StatusOutbox statusOutbox = new StatusOutbox(dataSource, reservations,
                new Backoff(settings.duration("dreamdrop.outbox.retry-initial-delay"),
                        settings.duration("dreamdrop.outbox.retry-max-delay")),
                settings.duration("dreamdrop.outbox.retention"));
        // Camel's Prometheus support serves the registry bound under this name (see DreamDrop.create)
        MeterRegistry metrics = registry.lookupByNameAndType("metricsRegistry", MeterRegistry.class);

        TrainingApi api = trainingApi(context, settings, metrics);
        ReceiverConfiguration.configureHttp(context, settings, ReceiverConfiguration.forConnections(settings,
                api.baseUrl()));
        String publicUrl = stripSlash(settings.text("dreamdrop.public-url"));
        List<String> intake = settings.list("dreamdrop.intake");
        String sink = settings.oneOf("dreamdrop.storage.sink", "folder", "s3");
        Hosting hosting = ImageHostingConfiguration.choose(settings, publicUrl);
        for (String source : intake) {
            if (!source.equals(FolderInbox.SOURCE) && !source.equals(S3Inbox.SOURCE)) {
                throw new IllegalArgumentException("Configuration key dreamdrop.intake lists '" + source
                        + "'; expected folder, s3, or both (see config/application.properties)");
            }
        }
        S3Access s3 = intake.contains(S3Inbox.SOURCE) || sink.equals("s3") || hosting == Hosting.S3
                ? s3Access(context, settings) : null;

        JobPhotos jobPhotos = new JobPhotos(dataSource, instanceId);
        SetFolders folders = new SetFolders(settings.path("dreamdrop.inbox.dir"),
                settings.path("dreamdrop.archive.dir"), settings.path("dreamdrop.failed.dir"), journal, jobPhotos);
        PreparedImages preparedImages = new PreparedImages(settings.path("dreamdrop.images.dir"), journal,
                settings.duration("dreamdrop.images.link-lifetime"), publicUrl);
        Map<String, SetSource> sources = new HashMap<>(Map.of(FolderInbox.SOURCE, folders));
        ImageHostingConfiguration.Vendor vendor = ImageHostingConfiguration.vendorHosting(settings, registry,
                dataSource, reservations, preparedImages, metrics);
        Map<String, ImageHosting> hostingBySource = new HashMap<>(Map.of(FolderInbox.SOURCE,
                hosting == Hosting.VENDOR ? vendor.hosting() : preparedImages));
        List<ImageHosting> hostings = new ArrayList<>(List.of(preparedImages));
        S3Inbox s3Inbox = null;
        S3Objects s3Objects = null;
        if (s3 != null) {
            // the client and presigner of routes/s3-objects.camel.yaml (amazonS3Client=#s3Client ...)
            registry.bind("s3Client", s3.client());
            registry.bind("s3Presigner", s3.presigner());
            s3Objects = new S3Objects(context.createProducerTemplate());
            s3Inbox = new S3Inbox(s3, s3Objects, journal, jobPhotos, settings.path("dreamdrop.s3.staging-dir"),
                    intake.contains(S3Inbox.SOURCE));
            S3ImageHosting s3Hosting = new S3ImageHosting(s3, s3Objects, preparedImages);
            sources.put(S3Inbox.SOURCE, s3Inbox);
            hostingBySource.put(S3Inbox.SOURCE, hosting == Hosting.VENDOR ? vendor.hosting() : s3Hosting);
            if (hosting == Hosting.S3) {
                hostingBySource.put(FolderInbox.SOURCE, s3Hosting);
            }
            hostings.add(s3Hosting);
        }
        SetSources setSources = new SetSources(sources);
        S3EventsConfiguration.configure(context, settings, s3, s3Inbox != null && intake.contains(S3Inbox.SOURCE));

        ImagePreparer preparer = new ImagePreparer(settings.integer("dreamdrop.images.min-side"),
                settings.longValue("dreamdrop.images.max-pixels"), settings.decimal("dreamdrop.images.jpeg-quality"),
                Boolean.parseBoolean(settings.oneOf("dreamdrop.images.opencv", "true", "false")));
        boolean vendorSandbox = Boolean.parseBoolean(settings.oneOf("dreamdrop.api.vendor-sandbox", "true", "false"));
        ManifestReader manifests = new ManifestReader(new TrainingSettings(
                TrainingKind.fromManifest(settings.oneOf("dreamdrop.defaults.kind",
                        TrainingKind.manifestNames().toArray(String[]::new))).orElseThrow(),
                settings.text("dreamdrop.defaults.instance-prompt"),
                settings.text("dreamdrop.defaults.class-prompt"),
                settings.text("dreamdrop.defaults.base-model-id"),
                settings.text("dreamdrop.defaults.training-type"),
                null,
                settings.optional("dreamdrop.defaults.seed"),
                new TrainingSettings.DreamboothV2(
                        settings.text("dreamdrop.defaults.v2.learning-rate-unet"),
                        settings.integer("dreamdrop.defaults.v2.steps-unet"),
                        settings.text("dreamdrop.defaults.v2.learning-rate-text-encoder"),
                        settings.integer("dreamdrop.defaults.v2.steps-text-encoder")),
                new TrainingSettings.Lora(
                        settings.text("dreamdrop.defaults.lora.base-model-type"),
                        settings.text("dreamdrop.defaults.lora.lora-type"),
                        settings.optional("dreamdrop.defaults.lora.negative-prompt")),
                List.of(),
                null,
                List.of(),
                settings.oneOf("dreamdrop.images.crop", ManifestReader.CROPS.toArray(String[]::new)),
                TrainingSettings.CONFIGURED_SAMPLES),
                settings.list("dreamdrop.api.v2-learning-rates"), vendorSandbox,
                ReceiverConfiguration.forSets(settings), settings.list("dreamdrop.mail.allowed-domains"));
        RetryPolicy retry = new RetryPolicy(settings.integer("dreamdrop.api.max-attempts"),
                settings.duration("dreamdrop.api.retry-initial-delay"), settings.duration("dreamdrop.api.retry-max-delay"),
                settings.integer("dreamdrop.api.max-failed-try-again"));
        SamplesConfiguration.Samples samples = SamplesConfiguration.samples(settings, registry, dataSource,
                reservations, journal, api.baseUrl(), metrics);
        Erasures erasures = RetentionConfiguration.erasures(settings, dataSource, journal, reservations,
                vendor.uploads());
        ResultsDocuments documents = new ResultsDocuments(journal, samples.documents(), erasures::begun);
        registry.bind("resultsDocuments", documents);

        registry.bind("journal", journal);
        registry.bind("preparedImages", preparedImages);
        HostedImages hostedImages = new HostedImages(hostings);
        registry.bind("hostedImages", hostedImages);
        registry.bind("folderInbox", new FolderInbox(folders, journal, settings.duration("dreamdrop.inbox.quiet-period"),
                intake.contains(FolderInbox.SOURCE)));
        registry.bind("s3Inbox", s3Inbox != null ? s3Inbox : new S3NotInUse());
        TrainingSubmitter submitter = new TrainingSubmitter(journal, setSources, hostingBySource, vendor.hosting(),
                samples.plans(), publicUrl, retry, vendorSandbox, metrics);
        registry.bind("restartRecovery", new RestartRecovery(journal, setSources, submitter,
                settings.duration("dreamdrop.intake.stalled-after"), settings.duration("dreamdrop.replicas.lease")));
        ContactSheets contactSheets = new ContactSheets(dataSource, journal);
        registry.bind("contactSheets", contactSheets);
        registry.bind("setPreparation", new SetPreparation(journal, setSources, manifests, preparer, preparedImages,
                settings.integer("dreamdrop.images.max-per-set"), settings.decimal("dreamdrop.images.blur-below"),
                settings.decimal("dreamdrop.images.dark-below"), settings.decimal("dreamdrop.images.bright-above"),
                settings.integer("dreamdrop.images.same-photo-within"), contactSheets,
                context.getExecutorServiceManager().newFixedThreadPool(this, "photo-preparation",
                        imageConcurrency(settings))));
        registry.bind("trainingSubmitter", submitter);
        PhotoLinkCheck photoLinkCheck = new PhotoLinkCheck(journal, vendor.uploads(), preparedImages, retry);
        registry.bind("photoLinkCheck", photoLinkCheck);
        registry.bind("photoLinksHealth", new PhotoLinksHealthCheck(photoLinkCheck));
        SubmissionRetryWaits retryWaits = new SubmissionRetryWaits(settings.integer("dreamdrop.intake.concurrency"));
        registry.bind("submissionRetryWaits", retryWaits.scheduler());
        context.getManagementStrategy().addEventNotifier(retryWaits);
        registry.bind("webhookReceiver", new WebhookReceiver(journal, api, metrics));
        registry.bind("statusPoller", new StatusPoller(journal, api, ImageHostingConfiguration.pollQuietAfter(settings,
                publicUrl, !settings.text("dreamdrop.api.key").isEmpty()), settings.duration("dreamdrop.poll.deadline")));
        registry.bind("folderResults", new FolderResults(settings.path("dreamdrop.storage.dir"), documents));
        registry.bind("s3Results", s3 != null ? new S3Results(s3, s3Objects, documents, s3.settings().resultsPrefix())
                : new S3NotInUse());

        MailSettings mail = mailSettings(context, settings);
        MailOutbox outbox = new MailOutbox(dataSource, journal, reservations, mail, metrics);
        registry.bind("mailOutbox", outbox);
        registry.bind("statusEmails", new StatusEmails(journal, outbox, mail, samples.documents(), contactSheets));
        registry.bind("statusOutbox", statusOutbox);
        StatusEvents events = statusEvents(settings, sink.equals("s3") ? set -> "s3://" + s3.settings().bucket() + "/"
                + s3.settings().resultsPrefix() + S3Objects.literal(set) + "/"
                : set -> settings.path("dreamdrop.storage.dir").toAbsolutePath().resolve(set).toUri().toString(),
                samples.documents());
        EventOutbox eventOutbox = new EventOutbox(dataSource, journal, reservations, events,
                settings.integer("dreamdrop.events.max-attempts"),
                new Backoff(settings.duration("dreamdrop.events.retry-initial-delay"),
                        settings.duration("dreamdrop.events.retry-max-delay")),
                settings.duration("dreamdrop.outbox.retention"), metrics);
        // before any route runs: the tables up to date, and what an earlier run of this instance held taken up again
        // now, not after a lease
        JournalStartup journalStartup = JournalStartup.begin(() -> {
            journal.migrate();
            journal.heartbeat();
            statusOutbox.releaseOwnReservations();
            outbox.releaseOwnReservations();
            eventOutbox.releaseOwnReservations();
            vendor.uploads().releaseOwnReservations();
            samples.store().releaseOwnReservations();
            erasures.releaseOwnReservations();
        });
        registry.bind("journalStartup", journalStartup);
        addStartupListener(context, journalStartup);
        registry.bind("statusEvents", events);
        registry.bind("eventOutbox", eventOutbox);
        JournalConfiguration.bind(settings, registry, dataSource, metrics);
        RetentionConfiguration.bind(settings, registry, erasures, journal, new RetentionConfiguration.Stores(jobPhotos,
                vendor.uploads(), outbox, samples.store(), eventOutbox), setSources, hostedImages, contactSheets,
                metrics);
        registry.bind("webhookSignatures", new WebhookSignatures(settings.optional("dreamdrop.api.webhook-secret"),
                metrics));
        registry.bind("statusRouterThreads", context.getExecutorServiceManager().newFixedThreadPool(this,
                "status-router", settings.integer("dreamdrop.outbox.concurrency")));

        registry.bind("dreamdropMetrics", DreamDropMetrics.register(metrics, journal, outbox, statusOutbox, eventOutbox));
        mountOperatorApi(context, settings, new OperatorApi(journal, api, setSources, eventOutbox,
                vendor.uploads(), samples.documents(), contactSheets, erasures));
        registry.bind("journalHealth", new JournalHealthCheck(dataSource));
        registry.bind("statusOutboxHealth", new StatusOutboxHealthCheck(statusOutbox,
                settings.duration("dreamdrop.health.outbox-max-age"),
                settings.longValue("dreamdrop.health.outbox-max-depth")));
        if (intake.contains(FolderInbox.SOURCE) && Boolean.parseBoolean(settings.oneOf("dreamdrop.inbox.watch",
                "true", "false"))) {
            try {
                context.addService(new InboxWatcher(folders.inbox(), settings.duration("dreamdrop.inbox.quiet-period"),
                        context.createProducerTemplate(), "seda:inbox-folder-changed?discardWhenFull=true"), true, true);
            } catch (Exception e) {
                throw new IllegalStateException("cannot watch the inbox " + folders.inbox(), e);
            }
        }
        if (intake.contains(FolderInbox.SOURCE)) {
            registry.bind("inboxHealth", new InboxHealthCheck(folders.inbox(),
                    settings.longValue("dreamdrop.health.min-free-disk-mb") * 1_000_000));
        }
        if (s3 != null) {
            registry.bind("s3Health", new S3HealthCheck(s3));
        }
        registry.bind("trainingApiHealth", new TrainingApiHealthCheck(api,
                settings.duration("dreamdrop.health.api-check-interval")));
    }

    /** dreamdrop.images.concurrency: photos prepared at once; empty = one per core. */
    private static int imageConcurrency(Settings settings) {
        String configured = settings.text("dreamdrop.images.concurrency");
        return configured.isEmpty() ? Runtime.getRuntime().availableProcessors()
                : Math.max(1, settings.integer("dreamdrop.images.concurrency"));
    }

    /** Status events are always signed: receivers without a secret to sign with are a configuration error. */
    private static StatusEvents statusEvents(Settings settings, UnaryOperator<String> resultsLocation,
                                             SampleDocuments samples) {
        List<String> receivers = settings.list("dreamdrop.events.urls");
        String secret = settings.optional("dreamdrop.events.secret");
        if (!receivers.isEmpty() && secret == null) {
            throw new IllegalArgumentException("Configuration key dreamdrop.events.urls is set but"
                    + " dreamdrop.events.secret is empty: events are always signed. Set a whsec_... secret (see"
                    + " config/application.properties), the same one your receivers verify with");
        }
        return new StatusEvents(receivers, settings.list("dreamdrop.events.statuses"), secret, resultsLocation,
                samples);
    }

    /** The operator API and the dashboard join health and metrics on the management server once it runs. */
    private static void mountOperatorApi(CamelContext context, Settings settings, OperatorApi api) {
        String token = settings.optional("dreamdrop.operator.token");
        String host = settings.text("camel.management.host");
        if (token == null && !host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("::1")) {
            LOG.warn("The management server listens on {} without dreamdrop.operator.token: anyone who reaches it can"
                    + " cancel trainings and delete models. Set a token.", host);
        }
        String dashboard;
        try (InputStream in = DreamDropConfiguration.class.getResourceAsStream("/dashboard.html")) {
            dashboard = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the dashboard page is missing from the build", e);
        }
        String page = dashboard;
        addStartupListener(context, (started, alreadyStarted) -> {
            ManagementHttpServer server = started.hasService(ManagementHttpServer.class);
            if (server == null) {
                LOG.warn("No management server (camel.management.enabled=false): no operator API, no dashboard");
                return;
            }
            OperatorHttp.mount(server.getRouter(), api, token, page);
        });
    }

    private static void addStartupListener(CamelContext context, StartupListener listener) {
        try {
            context.addStartupListener(listener);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stands in for the S3 beans when S3 is not in use, so that the S3 routes exist but find nothing. */
    public static final class S3NotInUse {
        public List<String> claimReadySets() {
            return List.of();
        }

        public List<String> claimAnnounced(Object notification) {
            return List.of();
        }

        public void write(Object change) {
            throw new IllegalStateException("S3 is not in use; dreamdrop.storage.sink=s3 needs dreamdrop.s3.bucket");
        }

        public void writeFile(Object file) {
            write(file);
        }

        public void removeEarlierJobsFiles(Object jobId) {
            write(jobId);
        }

        public void removeFile(Object jobId, Object path) {
            write(jobId);
        }

        public void removeJob(Object jobId) {
            write(jobId);
        }
    }

    private static S3Access s3Access(CamelContext context, Settings settings) {
        String bucket = settings.text("dreamdrop.s3.bucket");
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("S3 is in use (dreamdrop.intake, dreamdrop.storage.sink or"
                    + " dreamdrop.images.hosting) but dreamdrop.s3.bucket is empty");
        }
        Duration lifetime = settings.duration("dreamdrop.s3.link-lifetime");
        if (lifetime.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("Configuration key dreamdrop.s3.link-lifetime is " + lifetime
                    + "; S3 presigned links live at most 7 days");
        }
        S3Settings s3 = new S3Settings(bucket, settings.text("dreamdrop.s3.region"),
                settings.optional("dreamdrop.s3.endpoint"), Boolean.parseBoolean(settings.text("dreamdrop.s3.path-style")),
                settings.optional("dreamdrop.s3.access-key"), settings.optional("dreamdrop.s3.secret-key"),
                S3Settings.asPrefix(settings.text("dreamdrop.s3.inbox-prefix")),
                S3Settings.asPrefix(settings.text("dreamdrop.s3.prepared-prefix")),
                S3Settings.asPrefix(settings.text("dreamdrop.s3.archive-prefix")),
                S3Settings.asPrefix(settings.text("dreamdrop.s3.failed-prefix")),
                S3Settings.asPrefix(settings.text("dreamdrop.s3.results-prefix")),
                lifetime, settings.duration("dreamdrop.s3.retry-max-delay"));
        S3Access access = new S3Access(s3, settings.duration("dreamdrop.s3.timeout"));
        access.warnIfCredentialsAreTemporary();
        stopWith(context, access::close);
        LOG.info("S3: bucket {}{}", bucket, s3.endpoint() != null ? " at " + s3.endpoint() : "");
        return access;
    }

    /** The email sink's settings; configures Camel's smtp component when a host is set. */
    private static MailSettings mailSettings(CamelContext context, Settings settings) {
        MailSettings mail = new MailSettings(settings.text("dreamdrop.mail.host"), settings.text("dreamdrop.mail.from"),
                settings.list("dreamdrop.mail.to"), settings.list("dreamdrop.mail.statuses"),
                settings.integer("dreamdrop.mail.max-attempts"), settings.duration("dreamdrop.mail.retry-initial-delay"),
                settings.duration("dreamdrop.mail.retry-max-delay"), settings.path("dreamdrop.mail.parked-dir"),
                settings.path("dreamdrop.storage.dir"));
        if (!mail.enabled()) {
            LOG.info("Email is off (no dreamdrop.mail.host)");
            return mail;
        }
        MailConfiguration smtp = context.getComponent("smtp", MailComponent.class).getConfiguration();
        String username = settings.text("dreamdrop.mail.username");
        if (!username.isEmpty()) {
            smtp.setUsername(username);
            smtp.setPassword(settings.text("dreamdrop.mail.password"));
        }
        int timeout = (int) settings.duration("dreamdrop.mail.timeout").toMillis();
        smtp.setConnectionTimeout(timeout);
        Properties javaMail = new Properties();
        javaMail.put("mail.smtp.timeout", String.valueOf(timeout));
        javaMail.put("mail.smtp.writetimeout", String.valueOf(timeout));
        String security = settings.text("dreamdrop.mail.security");
        switch (security) {
            case "none" -> { }
            case "starttls" -> {
                javaMail.put("mail.smtp.starttls.enable", "true");
                javaMail.put("mail.smtp.starttls.required", "true");
            }
            case "ssl" -> javaMail.put("mail.smtp.ssl.enable", "true");
            default -> throw new IllegalArgumentException("Configuration key dreamdrop.mail.security is '" + security
                    + "'; expected none, starttls or ssl (see config/application.properties)");
        }
        smtp.setAdditionalJavaMailProperties(javaMail);
        LOG.info("Email on, through {}:{} ({})", mail.host(), settings.text("dreamdrop.mail.port"), security);
        return mail;
    }

    private static DataSource dataSource(CamelContext context, Settings settings) {
        String url = settings.text("dreamdrop.db.url");
        if (url.startsWith("jdbc:h2:file:")) {
            try {
                Files.createDirectories(java.nio.file.Path.of(url.substring("jdbc:h2:file:".length())
                        .split(";")[0]).toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the journal's folder for " + url, e);
            }
        }
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
            // H2 would close the journal from its own shutdown hook at SIGTERM, under the sets Camel's graceful stop
            // lets finish; the journal closes with the pool, after the routes have stopped
            url += ";DB_CLOSE_ON_EXIT=FALSE";
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("journal");
        config.setJdbcUrl(url);
        config.setUsername(settings.text("dreamdrop.db.username"));
        config.setPassword(settings.text("dreamdrop.db.password"));
        config.setMaximumPoolSize(settings.integer("dreamdrop.db.pool-size"));
        // opened by its first connection, on the journal's start-up thread (JournalStartup), not here
        HikariDataSource pool = new HikariDataSource();
        config.copyStateTo(pool);
        stopWith(context, pool::close);
        return pool;
    }

    private static String instanceId(Settings settings) {
        String configured = settings.optional("dreamdrop.instance-id");
        if (configured != null) {
            return configured;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot tell this host's name; set dreamdrop.instance-id", e);
        }
    }

    /**
     * The training API as the call route (routes/training-api.camel.yaml) and the beans see it. Without a key, the
     * sandbox is started and the routes are pointed at it: the base URL is an override property, set before the
     * routes are built.
     */
    private static TrainingApi trainingApi(CamelContext context, Settings settings, MeterRegistry metrics) {
        String key = settings.text("dreamdrop.api.key");
        String baseUrl = settings.text("dreamdrop.api.base-url");
        if (key.isEmpty()) {
            key = "sandbox-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            try {
                TrainingApiSandbox sandbox = TrainingApiSandbox.start(settings.integer("dreamdrop.sandbox.port"),
                        Set.of(key), settings.duration("dreamdrop.sandbox.step-delay"));
                stopWith(context, sandbox::close);
                baseUrl = sandbox.baseUrl();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the training API sandbox", e);
            }
            context.getPropertiesComponent().addOverrideProperty("dreamdrop.api.base-url", baseUrl);
            LOG.warn("================================================================================");
            LOG.warn(" SANDBOX MODE: no dreamdrop.api.key is set, so no real training will happen.");
            LOG.warn(" DreamDrop talks to its own simulator of the training API at {}.", baseUrl);
            LOG.warn(" Set DREAMDROP_API_KEY to train for real.");
            LOG.warn("================================================================================");
        }
        context.getRegistry().bind("trainingApiAnswers", new TrainingApiAnswers(key, baseUrl, metrics));
        return new TrainingApi(context.createProducerTemplate(), baseUrl);
    }

    /** Ties a resource's shutdown to the Camel context's, so that stopping DreamDrop releases it. */
    static void stopWith(CamelContext context, Runnable stop) {
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    stop.run();
                }
            }, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
