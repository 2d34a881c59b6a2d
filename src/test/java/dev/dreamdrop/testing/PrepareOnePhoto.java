package dev.dreamdrop.testing;

import dev.dreamdrop.image.ImagePreparer;

import java.nio.file.Path;

/** Prepares one photo in a JVM of its own, so that a test can give it a small heap. */
public final class PrepareOnePhoto {

    private PrepareOnePhoto() {
    }

    public static void main(String[] args) throws Exception {
        new ImagePreparer(512, 100_000_000L, 0.92f).prepare(Path.of(args[0]), Path.of(args[1]));
    }
}
