package io.weightcast.core.features;

import java.util.Arrays;

/**
 * Unterthiner et al.'s per-tensor statistics (mean, std, 0/25/50/75/100th percentiles) and the
 * l1/l2 norms, over the finite elements; non-finite elements are counted, not summarised, so one
 * NaN does not erase every statistic (the NONFINITE_WEIGHTS alert reports them).
 */
public record TensorSummary(
        double mean, double std, double p0, double p25, double p50, double p75, double p100,
        double l1, double l2, long count, long nonfinite) {

    public static final TensorSummary EMPTY = new TensorSummary(
            Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, 0, 0);

    public static TensorSummary of(double[] values) {
        double[] finite = new double[values.length];
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                finite[n++] = v;
            }
        }
        long nonfinite = values.length - n;
        if (n == 0) {
            return new TensorSummary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, 0, nonfinite);
        }
        double[] x = Arrays.copyOf(finite, n);
        double mean = PairwiseSum.sum(x) / n;
        double[] sq = new double[n];
        double l1 = 0;
        double l2sq = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            sq[i] = d * d;
            l1 += Math.abs(x[i]);
            l2sq += x[i] * x[i];
        }
        double std = Math.sqrt(PairwiseSum.sum(sq) / n);
        Arrays.sort(x);
        return new TensorSummary(mean, std,
                x[0], Percentiles.ofSorted(x, 25), Percentiles.ofSorted(x, 50), Percentiles.ofSorted(x, 75), x[n - 1],
                l1, Math.sqrt(l2sq), n, nonfinite);
    }
}
