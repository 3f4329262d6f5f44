package io.weightcast.ingest;

import io.weightcast.core.config.Settings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest service with its default limits, alone in a JVM that {@link IngestHeapTest} starts with the pod's heap.
 * Prints {@code PORT <port>} once listening; on the stdin line {@code peak} prints {@code PEAK <max used> <max live>
 * <max heap>}: the heap's highest sampled use, and its highest use right after a collection (the live set); stdin closed
 * ends it.
 */
public final class IngestHeapMain {
    private IngestHeapMain() {
    }

    public static void main(String[] args) throws Exception {
        IngestService service = new IngestService(Settings.of(Map.of("kafka.bootstrap.servers", args[0], "topic.prefix", args[1],
                "ingest.port", "0", "ingest.auth", "none")));
        service.start();
        AtomicLong peakUsed = new AtomicLong();
        AtomicLong peakLive = new AtomicLong();
        Thread sampler = new Thread(() -> sample(peakUsed, peakLive), "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        System.out.println("PORT " + service.port());
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = stdin.readLine(); line != null; line = stdin.readLine()) {
            if (line.equals("peak")) {
                System.out.println("PEAK " + peakUsed.get() + " " + peakLive.get() + " " + Runtime.getRuntime().maxMemory());
                System.out.flush();
            }
        }
        service.close();
        System.exit(0);
    }

    private static void sample(AtomicLong peakUsed, AtomicLong peakLive) {
        while (true) {
            long used = 0;
            long live = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    used += pool.getUsage().getUsed();
                    live += pool.getCollectionUsage() == null ? 0 : pool.getCollectionUsage().getUsed();
                }
            }
            peakUsed.accumulateAndGet(used, Math::max);
            peakLive.accumulateAndGet(live, Math::max);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
