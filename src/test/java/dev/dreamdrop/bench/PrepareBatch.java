package dev.dreamdrop.bench;

import dev.dreamdrop.image.ImagePreparer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Run in its own JVM by the image benchmark: DreamDrop's preparation of the photos given, one after another (or
 * -Dthreads at once, as the intake prepares a set), with the settings DreamDrop ships with. DreamDrop is a long-running server, so the batch is
 * prepared once to warm the JVM up and then timed (wall and CPU of the whole process, GC and JIT included).
 * Prints the heap still in use after a collection (what the preparer keeps) after the first photo, and the most
 * it ever kept over both passes: equal figures mean memory does not grow with the number of photos.
 */
public final class PrepareBatch {

    private PrepareBatch() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        // -Ddecoder=java: the pure-Java decoder DreamDrop had before OpenCV, measured beside it
        ImagePreparer preparer = new ImagePreparer(512, 100_000_000L, 0.92f,
                !"java".equals(System.getProperty("decoder")));
        // -Dcrop=ONE_FACE -Dthreads=N: cut around the face, N photos at once, as the intake prepares a person set
        ImagePreparer.Crop crop = ImagePreparer.Crop.valueOf(System.getProperty("crop", "CENTRE"));
        int threads = Integer.getInteger("threads", 1);
        long maxKept = 0;
        Path warmUp = Files.createDirectories(out.resolveSibling(out.getFileName() + "-warm-up"));
        for (int i = 1; i < args.length; i++) {
            Path photo = Path.of(args[i]);
            preparer.prepare(photo, warmUp.resolve(photo.getFileName() + ".jpg"), crop);
            if (i == 1) {
                System.out.println("heap-kept-first " + heapKept());
            }
            maxKept = Math.max(maxKept, heapKept());
        }
        Files.createDirectories(out);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        List<Future<ImagePreparer.Prepared>> prepared = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            Path photo = Path.of(args[i]);
            prepared.add(pool.submit(() -> preparer.prepare(photo, out.resolve(photo.getFileName() + ".jpg"), crop)));
        }
        for (Future<ImagePreparer.Prepared> photo : prepared) {
            photo.get();
        }
        System.out.println("wall-seconds " + (System.nanoTime() - wall) / 1e9);
        pool.shutdown();
        System.out.println("cpu-seconds " + (os.getProcessCpuTime() - cpu) / 1e9);
        System.out.println("heap-kept-max " + Math.max(maxKept, heapKept()));
    }

    /** The heap in use right after a full collection: what is still referenced. */
    private static long heapKept() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }
}
