package dev.dreamdrop.bench;

import dev.dreamdrop.testing.RequiredTools;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark harness at small sizes, every figure included, so that it keeps working: it needs the tools
 * bench/run installs (vipsthumbnail, ImageMagick, cwebp, wrk, GNU time), which .ci/run installs too.
 */
class BenchSmokeTest {

    @Test
    void everyFigureIsMeasuredAndNothingIsLost() throws Exception {
        // ImageMagick as /usr/bin/convert: some machines have a stand-in of that name elsewhere on the PATH
        RequiredTools.assumeInstalled("the benchmark smoke run", RequiredTools.of("vipsthumbnail", "libvips-tools",
                "/usr/bin/convert", "imagemagick", "cwebp", "webp", "wrk", "wrk", "/usr/bin/time", "time"));
        Path work = Path.of("target/bench-smoke").toAbsolutePath();
        Report report = Bench.run("--smoke", "--work", work.toString());
        assertEquals(List.of(), report.failures(), "a lost or doubled item fails the run");
        String results = Files.readString(work.resolve("RESULTS.md"));
        for (String figure : new String[]{"baseline JPEG", "progressive JPEG", "PNG", "WebP", "vipsthumbnail",
                "ImageMagick", "until all submitted", "READY to API call", "webhook events per second",
                "bare endpoint", "start-up", "idle RSS"}) {
            assertTrue(results.contains(figure), figure + " in the results:\n" + results);
        }
        assertFalse(results.contains("not installed"), "every reference tool ran:\n" + results);
    }
}
