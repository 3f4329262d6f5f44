package io.weightcast.app.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples once a second, from outside, the CPU seconds of a set of processes and of the whole machine
 * ({@link ProcessCpu}), to say afterwards who used the cores: over the whole run, and over its busiest
 * window (by machine CPU), which under a {@code --max} load is the load itself rather than start-up or drain.
 */
final class CpuSampler implements AutoCloseable {
    /** Average cores used by each process and by the machine (all its users) over a span, and how long it was. */
    record Usage(double seconds, Map<String, Double> coresByProcess, double machineCores, double machineBusyFraction) {
    }

    private record Sample(long nanos, double machineBusy, double machineTotal, Map<String, Double> cpu) {
    }

    private final Map<String, Long> pids;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** @param pids process name → pid */
    CpuSampler(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
        sample();
        this.thread = new Thread(this::loop, "bench-cpu");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    private void sample() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        pids.forEach((name, pid) -> cpu.put(name, ProcessCpu.seconds(pid)));
        double[] m = ProcessCpu.machine();
        synchronized (samples) {
            samples.add(new Sample(System.nanoTime(), m == null ? 0 : m[0], m == null ? 0 : m[1], cpu));
        }
    }

    /** From the first sample to the last. */
    Usage whole() {
        synchronized (samples) {
            return between(samples.get(0), samples.get(samples.size() - 1));
        }
    }

    /** The {@code seconds}-long stretch (to the nearest sample) in which the machine was busiest. */
    Usage busiest(double seconds) {
        synchronized (samples) {
            Usage best = null;
            for (int i = 0, j = 0; i < samples.size(); i++) {
                while (j < samples.size() && (samples.get(j).nanos() - samples.get(i).nanos()) / 1e9 < seconds) {
                    j++;
                }
                if (j == samples.size()) {
                    break;
                }
                Usage u = between(samples.get(i), samples.get(j));
                if (best == null || u.machineCores() > best.machineCores()) {
                    best = u;
                }
            }
            return best == null ? whole() : best;
        }
    }

    private static Usage between(Sample a, Sample b) {
        double wall = Math.max(1e-9, (b.nanos() - a.nanos()) / 1e9);
        Map<String, Double> cores = new LinkedHashMap<>();
        b.cpu().forEach((name, sec) -> cores.put(name, sec < 0 || a.cpu().get(name) < 0 ? null : round((sec - a.cpu().get(name)) / wall)));
        double total = b.machineTotal() - a.machineTotal();
        double busy = b.machineBusy() - a.machineBusy();
        return new Usage(round(wall), cores, round(busy / wall), total <= 0 ? 0 : round(busy / total));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }
}
