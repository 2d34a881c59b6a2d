package dev.dreamdrop;

import dev.dreamdrop.config.CamelKeysFromEnvironment;
import dev.dreamdrop.config.DreamDropConfiguration;
import dev.dreamdrop.config.SecretsFromFiles;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainConfigurationProperties;

import java.nio.file.Path;

/**
 * Starts DreamDrop: Camel Main with the routes in routes/ and the configuration in
 * config/application.properties, both read from the working directory.
 */
public final class DreamDrop {

    private static final String CONFIGURATION = "config/application.properties";
    public static final String CONFIGURATION_LOCATION = "file:" + CONFIGURATION;
    public static final String METRICS_REGISTRY = "metricsRegistry";

    private DreamDrop() {
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }

    /** DreamDrop's Camel Main, not yet started. */
    public static Main create() {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(CONFIGURATION_LOCATION);
        CamelKeysFromEnvironment.apply(main, Path.of(CONFIGURATION));
        SecretsFromFiles.apply(main);
        main.bind(METRICS_REGISTRY, metricsRegistry());
        configure(main.configure());
        return main;
    }

    /** What makes a Camel Main DreamDrop; the route tests configure theirs with it too. */
    public static void configure(MainConfigurationProperties configuration) {
        configuration.addConfiguration(DreamDropConfiguration.class);
    }

    /**
     * The registry of DreamDrop's figures, to be bound as {@link #METRICS_REGISTRY} before Camel starts, so that
     * Camel's Prometheus support serves it too.
     */
    public static PrometheusMeterRegistry metricsRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }
}
