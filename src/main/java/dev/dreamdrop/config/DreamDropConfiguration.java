package dev.dreamdrop.config;

import dev.dreamdrop.api.TrainingApiClient;
import dev.dreamdrop.image.ImagePreparer;
import dev.dreamdrop.image.PreparedImages;
import dev.dreamdrop.intake.FolderInbox;
import dev.dreamdrop.intake.ManifestReader;
import dev.dreamdrop.intake.SetFolders;
import dev.dreamdrop.intake.SetPreparation;
import dev.dreamdrop.intake.TrainingSettings;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import dev.dreamdrop.storage.FolderResults;
import dev.dreamdrop.submit.RetryPolicy;
import dev.dreamdrop.submit.TrainingSubmitter;
import dev.dreamdrop.webhook.WebhookReceiver;
import dev.dreamdrop.mail.MailOutbox;
import dev.dreamdrop.mail.MailSettings;
import dev.dreamdrop.mail.StatusEmails;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.component.mail.MailComponent;
import org.apache.camel.component.mail.MailConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
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
        Journal journal = new Journal(dataSource);
        journal.createSchema();

        TrainingApiClient api = apiClient(context, settings);
        String publicUrl = stripSlash(settings.text("dreamdrop.public-url"));
        SetFolders folders = new SetFolders(settings.path("dreamdrop.inbox.dir"),
                settings.path("dreamdrop.archive.dir"), settings.path("dreamdrop.failed.dir"));
        PreparedImages preparedImages = new PreparedImages(settings.path("dreamdrop.images.dir"), journal,
                settings.duration("dreamdrop.images.link-lifetime"));
        ImagePreparer preparer = new ImagePreparer(settings.integer("dreamdrop.images.min-side"),
                settings.longValue("dreamdrop.images.max-pixels"), settings.decimal("dreamdrop.images.jpeg-quality"));
        ManifestReader manifests = new ManifestReader(new TrainingSettings(
                settings.text("dreamdrop.defaults.instance-prompt"),
                settings.text("dreamdrop.defaults.class-prompt"),
                settings.text("dreamdrop.defaults.base-model-id"),
                settings.text("dreamdrop.defaults.training-type"),
                null,
                settings.optional("dreamdrop.defaults.seed"),
                List.of(),
                null));
        RetryPolicy retry = new RetryPolicy(settings.integer("dreamdrop.api.max-attempts"),
                settings.duration("dreamdrop.api.retry-initial-delay"), settings.duration("dreamdrop.api.retry-max-delay"),
                settings.integer("dreamdrop.api.max-failed-try-again"));

        registry.bind("journal", journal);
        registry.bind("trainingApi", api);
        registry.bind("preparedImages", preparedImages);
        registry.bind("folderInbox", new FolderInbox(folders, journal, settings.duration("dreamdrop.inbox.quiet-period")));
        registry.bind("setPreparation", new SetPreparation(journal, folders, manifests, preparer, preparedImages,
                settings.integer("dreamdrop.images.max-per-set")));
        registry.bind("trainingSubmitter", new TrainingSubmitter(journal, api, folders, preparedImages, publicUrl, retry));
        registry.bind("webhookReceiver", new WebhookReceiver(journal, api));
        registry.bind("folderResults", new FolderResults(settings.path("dreamdrop.storage.dir"), journal));

        MailSettings mail = mailSettings(context, settings);
        MailOutbox outbox = new MailOutbox(dataSource, journal, mail);
        registry.bind("mailOutbox", outbox);
        registry.bind("statusEmails", new StatusEmails(journal, outbox, mail));
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
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, settings.text("dreamdrop.db.username"),
                settings.text("dreamdrop.db.password"));
        pool.setMaxConnections(settings.integer("dreamdrop.db.pool-size"));
        stopWith(context, pool::dispose);
        return pool;
    }

    private static TrainingApiClient apiClient(CamelContext context, Settings settings) {
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
            LOG.warn("================================================================================");
            LOG.warn(" SANDBOX MODE: no dreamdrop.api.key is set, so no real training will happen.");
            LOG.warn(" DreamDrop talks to its own simulator of the training API at {}.", baseUrl);
            LOG.warn(" Set DREAMDROP_API_KEY to train for real.");
            LOG.warn("================================================================================");
        }
        return new TrainingApiClient(baseUrl, key, settings.duration("dreamdrop.api.connect-timeout"),
                settings.duration("dreamdrop.api.timeout"));
    }

    /** Ties a resource's shutdown to the Camel context's, so that stopping DreamDrop releases it. */
    private static void stopWith(CamelContext context, Runnable stop) {
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
