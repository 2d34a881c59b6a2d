package dev.dreamdrop;

import dev.dreamdrop.config.DreamDropConfiguration;
import org.apache.camel.main.Main;

/**
 * Starts DreamDrop: Camel Main with the routes in routes/ and the configuration in
 * config/application.properties, both read from the working directory.
 */
public final class DreamDrop {

    private DreamDrop() {
    }

    public static void main(String[] args) throws Exception {
        create().run(args);
    }

    /** DreamDrop's Camel Main, not yet started. */
    public static Main create() {
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        main.configure().addConfiguration(DreamDropConfiguration.class);
        return main;
    }
}
