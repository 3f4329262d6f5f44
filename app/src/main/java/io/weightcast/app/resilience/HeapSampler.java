package io.weightcast.app.resilience;

import io.weightcast.app.stack.ProcessStack;
import io.weightcast.app.stack.ServiceProcess;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the heap in use of every JVM of a {@link ProcessStack} about once a second on its own thread, from outside
 * the process, keeping the peak and the last value per process: from the JVM's perf-data file
 * ({@link PerfDataHeap}, the counters jstat reads), or with jstat ({@code ServiceProcess.heapUsedBytes}) when that
 * file cannot be read. The report gives the number of samples of each kind.
 */
final class HeapSampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeapSampler.class);

    /** Peak and last heap in use of one process, in bytes; -1 until a sample succeeded. */
    static final class Heap {
        volatile long peak = -1;
        volatile long last = -1;
        volatile int samples;
        volatile int jstatSamples;
        volatile int failures;
    }

    private final ProcessStack stack;
    private final Map<String, Heap> heaps = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler(ProcessStack stack, long intervalMillis) {
        this.stack = stack;
        for (String name : stack.names()) {
            heaps.put(name, new Heap());
        }
        this.thread = new Thread(() -> loop(intervalMillis), "safety-heap");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop(long intervalMillis) {
        while (running) {
            long round = System.currentTimeMillis();
            sampleOnce();
            long rest = intervalMillis - (System.currentTimeMillis() - round);
            if (rest > 0) {
                try {
                    Thread.sleep(rest);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One sample of every process (also called once more at the end, for the final values). */
    void sampleOnce() {
        for (Map.Entry<String, Heap> e : heaps.entrySet()) {
            ServiceProcess process = stack.process(e.getKey());
            Heap h = e.getValue();
            long used = PerfDataHeap.usedBytes(process.pid());
            if (used < 0) {
                used = process.heapUsedBytes();
                h.jstatSamples += used < 0 ? 0 : 1;
            }
            if (used < 0) {
                h.failures++;
                LOG.debug("no heap sample of {}", e.getKey());
                continue;
            }
            h.samples++;
            h.last = used;
            h.peak = Math.max(h.peak, used);
        }
    }

    Map<String, Heap> heaps() {
        return heaps;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
