package dev.dreamdrop.testing;

import dev.dreamdrop.DreamDrop;
import dev.dreamdrop.journal.Journal;
import dev.dreamdrop.journal.JournalStartup;
import dev.dreamdrop.sandbox.TrainingApiSandbox;
import org.apache.camel.CamelContext;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.DefaultRegistry;
import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.TestExecutionConfiguration;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A route test through DreamDrop's own Main configuration (the routes in routes/, config/application.properties,
 * DreamDropConfiguration's beans), with the test settings of {@link RunningDreamDrop#settings} and a sandbox of the
 * training API shared by the class. The context is started by the test ({@link #startDreamDrop}), after any
 * AdviceWith.
 */
public abstract class DreamDropRouteTest extends CamelMainTestSupport {

    protected static TrainingApiSandbox sandbox;

    @TempDir
    protected Path data;

    @BeforeAll
    static void startSandbox() throws IOException {
        sandbox = TrainingApiSandbox.start(0, Set.of(RunningDreamDrop.API_KEY), Duration.ofMillis(100));
    }

    @AfterAll
    static void stopSandbox() {
        sandbox.close();
    }

    /** Settings of this test class on top of the test settings. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public void configureTest(TestExecutionConfiguration testConfiguration) {
        super.configureTest(testConfiguration);
        testConfiguration.withUseAdviceWith(true);
    }

    /**
     * Filled when the context is made, once the test's folder exists. Made in {@link #configureContext}, which the
     * superclass calls from its constructor, before this class's field initialisers run.
     */
    private Properties testSettings;

    @Override
    public void configureContext(CamelContextConfiguration contextConfiguration) {
        super.configureContext(contextConfiguration);
        testSettings = new Properties();
        contextConfiguration.withUseOverridePropertiesWithPropertiesComponent(testSettings);
    }

    @Override
    protected Registry createCamelRegistry() throws Exception {
        Registry registry = new DefaultRegistry();
        registry.bind(DreamDrop.METRICS_REGISTRY, DreamDrop.metricsRegistry());
        return registry;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        sandbox.clearFaults();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        testSettings.putAll(RunningDreamDrop.settings(data, port, sandbox));
        testSettings.putAll(settings());
        return super.createCamelContext();
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return DreamDrop.CONFIGURATION_LOCATION;
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        DreamDrop.configure(configuration);
    }

    protected void startDreamDrop() {
        context.start();
    }

    protected String setting(String key) {
        return testSettings.getProperty(key);
    }

    /** Where the training API sends its webhooks and fetches its photos. */
    protected String publicUrl() {
        return setting("dreamdrop.public-url");
    }

    /** DreamDrop's journal, once it is up (it is brought up beside Camel's start, see JournalStartup). */
    protected Journal journal() {
        awaitJournalUp();
        return context.getRegistry().lookupByNameAndType("journal", Journal.class);
    }

    /** For a test that writes to the journal before DreamDrop starts, as another replica would. */
    protected void awaitJournalUp() {
        try {
            context.getRegistry().lookupByNameAndType("journalStartup", JournalStartup.class).awaitUp();
        } catch (Exception e) {
            throw new IllegalStateException("DreamDrop's journal did not come up", e);
        }
    }
}
