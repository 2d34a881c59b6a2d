package dev.dreamdrop;

import dev.dreamdrop.config.CamelKeysFromEnvironment;
import dev.dreamdrop.config.DreamDropConfiguration;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.main.Main;

import java.nio.file.Path;

/**
 * Starts DreamDrop: Camel Main with the routes in routes/ and the configuration in
 * config/application.properties, both read from the working directory.
 */
public final class DreamDrop {

    private static final String CONFIGURATION = "config/application.properties";

    private DreamDrop() {
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }

    /** DreamDrop's Camel Main, not yet started. */
    public static Main create() {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + CONFIGURATION);
        CamelKeysFromEnvironment.apply(main, Path.of(CONFIGURATION));
        // bound before Camel starts, so that Camel's Prometheus support and DreamDrop's figures share it
        main.bind("metricsRegistry", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        main.configure().addConfiguration(DreamDropConfiguration.class);
        return main;
    }
}
