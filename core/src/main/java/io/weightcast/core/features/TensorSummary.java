package io.weightcast.core.features;

import io.weightcast.core.safetensors.FloatView;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Unterthiner et al.'s per-tensor statistics (mean, std, 0/25/50/75/100th percentiles) and the
 * l1/l2 norms, over the finite elements; non-finite elements are counted, not summarised, so one
 * NaN does not erase every statistic (the NONFINITE_WEIGHTS alert reports them).
 *
 * <p>Definitions, bit for bit numpy's on the finite elements {@code f} taken as float64: mean =
 * {@code np.mean(f)}, std = {@code np.std(f)} (population), percentiles = {@code np.percentile(f, q)}
 * (linear), l1 = {@code np.abs(f).sum()}, l2 = {@code np.sqrt((f * f).sum())}; every sum in numpy's
 * order ({@link PairwiseSum#numpy}).
 */
public record TensorSummary(
        double mean, double std, double p0, double p25, double p50, double p75, double p100,
        double l1, double l2, long count, long nonfinite) {

    public static final TensorSummary EMPTY = new TensorSummary(
            Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, 0, 0);

    /** Float32 values (F32, F16, BF16 tensors): two passes over the view, no copy of it ({@link FloatStatistics}). */
    public static TensorSummary of(FloatBuffer values) {
        return FloatStatistics.of(values);
    }

    /** Float32 values read through a view (F32 in place, F16/BF16/FP8 widened block by block): no copy of the tensor. */
    public static TensorSummary of(FloatView values) {
        return FloatStatistics.of(values);
    }

    public static TensorSummary of(double[] values) {
        return of(DoubleBuffer.wrap(values));
    }

    /** Float64 values (F64 tensors): the finite values are copied once and sorted. */
    public static TensorSummary of(DoubleBuffer values) {
        int size = values.remaining();
        int start = values.position();
        double[] x = new double[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            double v = values.get(start + i);
            if (Double.isFinite(v)) {
                x[n++] = v;
            }
        }
        long nonfinite = size - n;
        if (n == 0) {
            return new TensorSummary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, 0, nonfinite);
        }
        double mean = PairwiseSum.numpy(x, 0, n) / n;
        double[] terms = new double[n];
        for (int i = 0; i < n; i++) {
            terms[i] = Math.abs(x[i]);
        }
        double l1 = PairwiseSum.numpy(terms, 0, n);
        for (int i = 0; i < n; i++) {
            terms[i] = x[i] * x[i];
        }
        double l2 = Math.sqrt(PairwiseSum.numpy(terms, 0, n));
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            terms[i] = d * d;
        }
        double std = Math.sqrt(PairwiseSum.numpy(terms, 0, n) / n);
        double[] sorted = n == size ? x : Arrays.copyOf(x, n);
        Arrays.sort(sorted);
        return new TensorSummary(mean, std,
                sorted[0], Percentiles.ofSorted(sorted, 25), Percentiles.ofSorted(sorted, 50), Percentiles.ofSorted(sorted, 75),
                sorted[n - 1], l1, l2, n, nonfinite);
    }
}
