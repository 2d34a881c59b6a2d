package dev.dreamdrop;

import dev.dreamdrop.config.DreamDropConfiguration;
import org.apache.camel.main.Main;

/** Starts DreamDrop: Camel Main with the routes in routes/ and the configuration in config/. */
public final class DreamDrop {

    private DreamDrop() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main();
        main.configure().addConfiguration(DreamDropConfiguration.class);
        main.run(args);
    }
}
