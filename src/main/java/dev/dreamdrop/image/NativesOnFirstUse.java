package dev.dreamdrop.image;

import java.util.function.BooleanSupplier;

/** Native libraries loaded at their first use, not at start-up, once: whether they loaded is then remembered. */
final class NativesOnFirstUse {

    private final BooleanSupplier load;
    private volatile Boolean available;

    /** @param load loads them and says whether that worked (and logs why not) */
    NativesOnFirstUse(BooleanSupplier load) {
        this.load = load;
    }

    boolean available() {
        Boolean known = available;
        if (known == null) {
            synchronized (this) {
                if (available == null) {
                    available = load.getAsBoolean();
                }
                known = available;
            }
        }
        return known;
    }
}
