package io.weightcast.core.features;

import java.util.Arrays;

/**
 * The sort-based implementation statistics had until issue 24, kept as the reference the fast paths
 * are checked against. Unterthiner et al.'s per-tensor statistics (mean, std, 0/25/50/75/100th percentiles) and the
 * l1/l2 norms, over the finite elements; non-finite elements are counted, not summarised, so one
 * NaN does not erase every statistic (the NONFINITE_WEIGHTS alert reports them).
 */
record ReferenceTensorSummary(
        double mean, double std, double p0, double p25, double p50, double p75, double p100,
        double l1, double l2, long count, long nonfinite) {

    static final ReferenceTensorSummary EMPTY = new ReferenceTensorSummary(
            Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN, 0, 0);

    /** The code as it was: l1 and l2 in element order, mean and std one pairwise sum over the whole tensor. */
    static ReferenceTensorSummary of(double[] values) {
        return of(values, false);
    }

    /**
     * The same with every sum as numpy takes it ({@link PairwiseSum#numpy}, checked against numpy 1.24:
     * pairwise within 8192-element buffers): {@code np.mean}, {@code np.std}, {@code np.abs(f).sum()},
     * {@code np.sqrt((f * f).sum())}.
     */
    static ReferenceTensorSummary numpyOrder(double[] values) {
        return of(values, true);
    }

    private static double sum(double[] a, boolean numpy) {
        return numpy ? PairwiseSum.numpy(a, 0, a.length) : PairwiseSum.sum(a);
    }

    private static ReferenceTensorSummary of(double[] values, boolean numpy) {
        double[] finite = new double[values.length];
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                finite[n++] = v;
            }
        }
        long nonfinite = values.length - n;
        if (n == 0) {
            return new ReferenceTensorSummary(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, 0, nonfinite);
        }
        double[] x = Arrays.copyOf(finite, n);
        double mean = sum(x, numpy) / n;
        double[] sq = new double[n];
        double l1 = 0;
        double l2sq = 0;
        for (int i = 0; i < n; i++) {
            double d = x[i] - mean;
            sq[i] = d * d;
            l1 += Math.abs(x[i]);
            l2sq += x[i] * x[i];
        }
        double std = Math.sqrt(sum(sq, numpy) / n);
        if (numpy) {
            double[] terms = new double[n];
            for (int i = 0; i < n; i++) {
                terms[i] = Math.abs(x[i]);
            }
            l1 = sum(terms, true);
            for (int i = 0; i < n; i++) {
                terms[i] = x[i] * x[i];
            }
            l2sq = sum(terms, true);
        }
        Arrays.sort(x);
        return new ReferenceTensorSummary(mean, std,
                x[0], Percentiles.ofSorted(x, 25), Percentiles.ofSorted(x, 50), Percentiles.ofSorted(x, 75), x[n - 1],
                l1, Math.sqrt(l2sq), n, nonfinite);
    }
}
