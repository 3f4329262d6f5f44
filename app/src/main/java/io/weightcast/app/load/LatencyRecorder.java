package io.weightcast.app.load;

import java.util.Arrays;

/**
 * Latency samples in milliseconds, kept whole (a bench records at most a few hundred thousand), so
 * percentiles are exact nearest-rank values rather than histogram-bucket estimates. Thread-safe.
 */
public final class LatencyRecorder {
    /** Summary of the samples; the values are null when there are none. */
    public record Summary(long count, Double p50, Double p95, Double p99, Double max, Double mean) {
    }

    private double[] samples = new double[256];
    private int size;

    public synchronized void record(double millis) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = millis;
    }

    public synchronized long count() {
        return size;
    }

    public synchronized Summary summary() {
        if (size == 0) {
            return new Summary(0, null, null, null, null, null);
        }
        double[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        double sum = 0;
        for (double v : sorted) {
            sum += v;
        }
        return new Summary(size, percentile(sorted, 0.50), percentile(sorted, 0.95), percentile(sorted, 0.99),
                round(sorted[size - 1]), round(sum / size));
    }

    /** Nearest rank: the smallest sample with at least {@code q} of the samples at or below it. */
    static double percentile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return round(sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))]);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
